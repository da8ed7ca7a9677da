"""Prints drgn's view of tasks' signal state (task->signal, ->sighand->action[], ->blocked,
->pending, signal->shared_pending, TIF_SIGPENDING), as JSON keyed by pid (run with the system
python, which has drgn)."""
import json
import sys

from drgn.helpers.linux.list import list_for_each_entry
from drgn.helpers.linux.pid import find_task
from drgn_open import open_program

prog = open_program(sys.argv[1], sys.argv[2])


def queue(pending):
    return [{"signo": q.info.si_signo.value_(), "info": hex(q.info.address_of_().value_())}
            for q in list_for_each_entry("struct sigqueue", pending.list.address_of_(), "list")]


out = {}
for pid in sys.argv[3:]:
    t = find_task(prog, int(pid))
    sig, hand = t.signal, t.sighand
    actions = []
    for i in range(len(hand.action)):
        k = hand.action[i]
        actions.append({"signal": i + 1, "sigaction": hex(k.address_of_().value_()),
                        "handler": k.sa.sa_handler.value_() & (2**64 - 1), "mask": k.sa.sa_mask.sig[0].value_(),
                        "flags": k.sa.sa_flags.value_()})
    out[pid] = {"task": hex(t.value_()), "signal_struct": hex(sig.value_()), "nr_threads": sig.nr_threads.value_(),
                "sighand": hex(hand.value_()), "actions": actions,
                "sigpending": bool(t.thread_info.flags.value_() & (1 << 2)),  # TIF_SIGPENDING, x86
                "blocked": t.blocked.sig[0].value_(), "private_signal": t.pending.signal.sig[0].value_(),
                "private_queue": queue(t.pending), "shared_signal": sig.shared_pending.signal.sig[0].value_(),
                "shared_queue": queue(sig.shared_pending)}
print(json.dumps(out))
