#!/usr/bin/env python3
"""Every command in text and in JSON on every lab dump: the two are rendered from the same result
(the same tasks, frames, records, values, compared field by field, with counts), and every JSON
document validates against docs/json-schema.json, the machine-checkable form of docs/json.md."""
import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from tap import Tap, ktriage, scenario_dir, scenarios  # noqa: E402

SCHEMA_FILE = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "json-schema.json")
DOCS = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "json.md")
TYPES = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None), "number": (int, float)}


def validate(node, schema, defs, path="$"):
    """The subset of JSON Schema docs/json-schema.json uses; a list of (path, problem)."""
    if "$ref" in schema:
        return validate(node, defs[schema["$ref"].split("/")[-1]], defs, path)
    if "anyOf" in schema:
        tries = [validate(node, s, defs, path) for s in schema["anyOf"]]
        return [] if any(not t for t in tries) else min(tries, key=len)
    errs = []
    types = schema.get("type")
    if types is not None:
        types = types if isinstance(types, list) else [types]
        ok = any((t == "integer" and isinstance(node, int) and not isinstance(node, bool)) or
                 (t != "integer" and isinstance(node, TYPES[t]) and not (t != "boolean" and isinstance(node, bool)))
                 for t in types)
        if not ok:
            return [(path, f"{type(node).__name__} is not {types}")]
    if "enum" in schema and node not in schema["enum"]:
        errs.append((path, f"{node!r} is not one of {schema['enum']}"))
    if "pattern" in schema and isinstance(node, str) and not re.search(schema["pattern"], node):
        errs.append((path, f"{node!r} does not match {schema['pattern']}"))
    if isinstance(node, dict):
        for key in schema.get("required", []):
            if key not in node:
                errs.append((path, f"no member {key}"))
        props = schema.get("properties", {})
        for key, value in node.items():
            if key in props:
                errs += validate(value, props[key], defs, f"{path}.{key}")
            elif schema.get("additionalProperties", True) is False:
                errs.append((path, f"unknown member {key}"))
    if isinstance(node, list) and "items" in schema:
        for i, item in enumerate(node):
            errs += validate(item, schema["items"], defs, f"{path}[{i}]")
    return errs


class Checker:
    def __init__(self, tap, schema):
        self.tap = tap
        self.schema = schema
        self.totals = {}  # what -> items compared over every dump

    def run(self, label, doc_kind, dump, *args):
        """(text, json document) of one command, the JSON validated; None if either failed."""
        t = ktriage(dump, *args, check=False)
        j = ktriage("--json", dump, *args, check=False)
        if not self.tap.ok(t.returncode == j.returncode, f"{label}: text and JSON exit alike ({t.returncode})",
                           t.stderr + j.stderr):
            return None, None
        if t.returncode and not j.stdout:
            # Nothing to render (task on a dump where no CPU panicked): the same error both ways.
            self.tap.ok(t.stderr == j.stderr and not t.stdout, f"{label}: the same error in text and JSON",
                        t.stderr + j.stderr)
            return None, None
        try:
            doc = json.loads(j.stdout)
        except ValueError as e:
            self.tap.ok(False, f"{label}: JSON parses", f"{e}: {j.stdout[:400]}")
            return None, None
        errs = validate(doc, self.schema["documents"][doc_kind], self.schema["$defs"])
        self.tap.ok(not errs and doc.get("schema") == "ktriage/1",
                    f"{label}: the JSON document validates against docs/json-schema.json ({doc_kind})", errs[:8])
        return t.stdout, doc

    def same(self, label, got, want, what, may_be_empty=False):
        """Field-by-field equality of text and JSON records; fails at zero unless a dump may have
        none (modules): then the total over every dump must not be zero (main())."""
        n = len(want)
        self.totals[what] = self.totals.get(what, 0) + n
        bad = [(i, g, w) for i, (g, w) in enumerate(zip(got, want)) if g != w]
        self.tap.ok((n > 0 or may_be_empty) and len(got) == n and not bad,
                    f"{label}: text and JSON have the same {n} {what}",
                    f"text {len(got)}, JSON {n}; first differences: {bad[:3]}")


def h(v):
    return int(v, 16) if isinstance(v, str) else v


def check_sys(c, label, dump):
    text, doc = c.run(f"{label}: sys", "sys", dump, "sys")
    if doc is None:
        return
    fields = dict(re.findall(r"^\s*([A-Z -]+): (.*)$", text, re.M))
    got = [fields.get("RELEASE"), fields.get("VERSION"), fields.get("MACHINE"), fields.get("NODENAME"),
           fields.get("BUILD-ID"), fields.get("SYMBOLS"),
           int(fields["KASLR OFFS"], 16) if "KASLR OFFS" in fields else None,
           int(fields["PANIC CPU"]) if "PANIC CPU" in fields else None,
           int(fields.get("CPUS", "0").split()[0])]
    want = [doc["release"], doc["version"], doc["machine"], doc["nodename"], doc["build_id"], doc["symbols"],
            h(doc["kaslr_offset"]), doc["panic_cpu"], doc["cpus_online"]]
    c.same(f"{label}: sys", got, want, "fields")


def check_report(c, label, dump):
    """The default command: the findings (codes and order), the signature and the CPUs alike in
    text and JSON; the text without colours off a terminal."""
    text, doc = c.run(f"{label}: report", "report", dump, "--no-color")
    if doc is None:
        return
    r = doc["report"]
    got = re.findall(r"^\s*\d+\. \S+\s.*\[([a-z_0-9.]+)\]$", text, re.M)
    got += re.findall(r"^  signature  (.*?)(?: \[[0-9a-f]{16}\])?$", text, re.M)
    got += [int(n) for n in re.findall(r"^CPU (\d+): ", text, re.M)]
    want = [f["code"] for f in r["findings"]] + [r["signature"]["text"]] + [cpu["cpu"] for cpu in r["cpus"]]
    c.same(f"{label}: report", got, want, "report findings, signatures and CPUs")
    c.tap.ok("\033[" not in text, f"{label}: report: no colour codes when stdout is not a terminal")


def check_ps(c, label, dump):
    text, doc = c.run(f"{label}: ps", "ps", dump, "ps")
    if doc is None:
        return []
    rows = [(l[0] == ">", int(l[1:8]), int(l[9:16]), int(l[17:20]), int(l[22:38], 16), l[40:42], l[44:])
            for l in text.splitlines()[1:]]
    want = [(t["active"], t["pid"], t["ppid"], t["cpu"], h(t["task"]), t["state"], t["comm"]) for t in doc["tasks"]]
    c.same(f"{label}: ps", rows, want, "tasks")
    return doc["tasks"]


def check_ps_states(c, label, dump):
    text, doc = c.run(f"{label}: ps -S", "ps -S", dump, "ps", "-S")
    if doc is None:
        return
    got = [(s, int(n)) for s, n in re.findall(r"^  ([A-Z]{2}): (\d+)$", text, re.M)]
    c.same(f"{label}: ps -S", got, [(s["state"], s["count"]) for s in doc["states"]], "task states")


def check_ps_views(c, label, dump, tasks):
    """ps -l, ps -m and ps -p, ps -c: the same tasks and values in text and JSON."""
    line = re.compile(r'^\[([^\]]*)\] \[(\w\w)\]  PID: (\d+) +TASK: ([0-9a-f]{16})  CPU: (-?\d+) +COMMAND: "(.*)"$')
    for flag in ("-l", "-m"):
        text, doc = c.run(f"{label}: ps {flag}", "ps -l", dump, "ps", flag)
        if doc is None:
            continue
        got = [(m.group(1).strip(), m.group(2), int(m.group(3)), int(m.group(4), 16), int(m.group(5)), m.group(6))
               for m in map(line.match, text.splitlines()) if m]

        def when(t):
            if flag == "-l":
                return str(t["last_arrival"])
            if t["clock"] is None or t["clock"] < t["last_arrival"]:
                return "(no clock)"
            ms = (t["clock"] - t["last_arrival"]) // 1000000
            s = ms // 1000
            return f"{s // 86400} {s // 3600 % 24:02d}:{s // 60 % 60:02d}:{s % 60:02d}.{ms % 1000:03d}"
        want = [(when(t), t["state"], t["pid"], h(t["task"]), t["cpu"], t["comm"]) for t in doc["tasks"]]
        c.same(f"{label}: ps {flag}", got, want, "last-run lines")
    leaf = next((t for t in reversed(tasks) if not t["idle"]), None)
    if leaf is None:
        return
    header = re.compile(r'^( *)PID: (\d+) +TASK: ([0-9a-f]{16})  CPU: (-?\d+) +COMMAND: "(.*)"$')
    for flag, pid in (("-p", leaf["pid"]), ("-c", 2)):
        text, doc = c.run(f"{label}: ps {flag} {pid}", "ps -p", dump, "ps", flag, str(pid))
        if doc is None:
            continue
        got = [(len(m.group(1)), int(m.group(2)), int(m.group(3), 16), int(m.group(4)), m.group(5))
               for m in map(header.match, text.splitlines()) if m]
        want = [((i if f["relation"] == "parents" else 2 * (i > 0)), t["pid"], h(t["task"]), t["cpu"], t["comm"])
                for f in doc["families"] for i, t in enumerate(f["tasks"])]
        c.same(f"{label}: ps {flag} {pid}", got, want, "family lines")


def check_ps_args(c, label, dump, tasks):
    """ps -a: the same tasks, arguments and environment (or the reason) in text and JSON."""
    pids = [str(t["pid"]) for t in tasks if not t["idle"]][:2]
    if not pids:
        return
    text, doc = c.run(f"{label}: ps -a {' '.join(pids)}", "ps -a", dump, "ps", "-a", *pids)
    if doc is None:
        return
    got = [int(p) for p in re.findall(r'^PID: (\d+) +TASK: ', text, re.M)]
    c.same(f"{label}: ps -a", got, [t["pid"] for t in doc["task_args"]], "ps -a tasks")
    for t in doc["task_args"]:
        if t["args"]:
            c.tap.ok(f"ARG: {' '.join(t['args'])} " in text, f"{label}: ps -a {t['pid']}: the ARG line", text[:600])


def check_bt_raw(c, label, dump):
    text, doc = c.run(f"{label}: bt -r", "bt -r", dump, "bt", "-r")
    if doc is None:
        return
    got = [(int(m.group(1)), int(m.group(2), 16)) for m in
           re.finditer(r'^PID: (\d+) +TASK: ([0-9a-f]{16})', text, re.M)]
    c.same(f"{label}: bt -r", got, [(s["pid"], h(s["task"])) for s in doc["raw_stacks"]], "raw stacks")
    got = [w for l in text.splitlines() if re.match(r"^[0-9a-f]{16}: ", l) for w in l[18:].split()]
    want = [(f"{y['symbol']}+{y['offset']}" if y["offset"] else y["symbol"]) if y else v[2:]
            for s in doc["raw_stacks"] for v, y in zip(s["values"], s["symbols"])]
    c.same(f"{label}: bt -r", got, want, "raw stack words")


def check_log(c, label, dump):
    text, doc = c.run(f"{label}: log", "log", dump, "log", "-m")
    if doc is None:
        return
    # A record's text may hold newlines: compare the text's lines with the records' lines.
    got = text.splitlines()
    want = []
    for r in doc["records"]:
        lines = r["text"].split("\n")
        ts = r["ts_nsec"]
        want.append(f"[{ts // 10**9:5d}.{ts % 10**9 // 1000:06d}] <{r['level']}>{lines[0]}")
        want += lines[1:]
    c.same(f"{label}: log -m", got, want, "log lines")


def check_mod(c, label, dump):
    text, doc = c.run(f"{label}: mod", "mod", dump, "mod")
    if doc is None:
        return
    rows = [tuple(l.split(None, 6)) for l in text.splitlines()[1:]]

    def debug_text(d):
        """The DEBUG FILE column as the text prints the JSON's debug member."""
        return {"loaded": d["file"], "none": f"(none: {d['reason']})"}.get(d["status"], "(not searched yet)")
    want = [(m["module"][2:], m["name"], m["base"][2:], str(m["size"]), m["state"], str(m["symbols"]),
             debug_text(m["debug"])) for m in doc["modules"]]
    c.same(f"{label}: mod", rows, want, "modules", may_be_empty=True)


def check_sym_dis(c, label, dump):
    text, doc = c.run(f"{label}: sym", "sym", dump, "sym", "schedule")
    if doc is not None:
        m = re.match(r"([0-9a-f]{16}) (\S+)", text)
        c.same(f"{label}: sym schedule", [(int(m.group(1), 16), m.group(2))] if m else [],
               [(h(doc["address"]), doc["symbol"])], "symbols")
    text, doc = c.run(f"{label}: dis", "dis", dump, "dis", "schedule")
    if doc is None:
        return
    line = re.compile(r"^0x([0-9a-f]{16})(?: <([^>+]+)(?:\+(\d+))?>)?:\t(.*)$")
    got = []
    for l in text.splitlines():
        m = line.match(l)
        got.append((int(m.group(1), 16), m.group(2), int(m.group(3) or 0), m.group(4).split("\t# ")[0])
                   if m else l)
    want = [(h(i["address"]), i["symbol"], i["offset"], i["text"]) for i in doc["instructions"]]
    c.same(f"{label}: dis schedule", got, want, "instructions")


def check_rd(c, label, dump):
    text, doc = c.run(f"{label}: rd", "rd", dump, "rd", "linux_banner", "16")
    if doc is not None:
        got = [int(v, 16) for l in text.splitlines() for v in l[18:52].split()]
        c.same(f"{label}: rd linux_banner 16", got, [h(v) for v in doc["values"]], "values")
    text, doc = c.run(f"{label}: rd -s", "rd", dump, "rd", "-s", "sysrq_crash_op", "4")
    if doc is not None:
        got = [w for l in text.splitlines() for w in l[18:].split()]
        want = [(f"{s['symbol']}+{s['offset']}" if s["offset"] else s["symbol"]) if s else v[2:]
                for v, s in zip(doc["values"], doc["symbols"])]
        c.same(f"{label}: rd -s sysrq_crash_op 4", got, want, "values")


def check_percpu(c, label, dump):
    text, doc = c.run(f"{label}: percpu", "percpu", dump, "percpu", "-x", "runqueues")
    if doc is None:
        return
    got = []
    for l in text.splitlines()[1:]:
        m = re.match(r"\s+\[(\d+)\]: ([0-9a-f]{16}):  (?:([0-9a-f]{16})|<unreadable: (.*)>)", l)
        got.append((int(m.group(1)), int(m.group(2), 16), int(m.group(3), 16) if m.group(3) else m.group(4),
                    "(offline)" not in l) if m else l)
    want = [(x["cpu"], h(x["address"]), h(x["value"]) if x["value"] else x["error"], x["online"]) for x in doc["cpus"]]
    c.same(f"{label}: percpu -x runqueues", got, want, "CPUs")


def value_token(n):
    """How the text shows a JSON value node, as far as its first token: "{" for a struct, union or
    array, the number, the pointer, the quoted string, or <unreadable: why>."""
    v = n["value"]
    if v is None:
        return f"<unreadable: {n['error']}>" if "error" in n else "<no value>"
    if isinstance(v, list):
        return "{"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return n.get("enumerator") or str(v)
    if n["type"].endswith("]"):
        return '"'
    return v


def value_lines(node, depth, out):
    """(depth, name, first token) of every named struct member and nested array element."""
    v = node["value"]
    if not isinstance(v, list):
        return out
    nested = any(isinstance(c["value"], list) or c["type"].endswith("]") for c in v)
    array = node["type"].endswith("]")
    for c in v:
        if array and not nested:
            continue  # printed inline
        if c["name"]:
            out.append((depth, c["name"], value_token(c)))
        value_lines(c, depth + 1, out)
    return out


def text_value_lines(text):
    out = []
    for l in text.splitlines()[1:]:
        m = re.match(r"( *)(\[\d+\]|[A-Za-z_]\w*) = (.*?),?$", l)
        if not m:
            continue
        v = m.group(3)
        tok = v if v.startswith("<unreadable") else "{" if v.startswith("{") else '"' if v.startswith('"') \
            else v.split(" ")[0]
        out.append((len(m.group(1)) // 2, m.group(2), tok))
    return out


def check_values(c, label, dump):
    top, doc = c.run(f"{label}: p init_task", "p", dump, "p", "init_task")
    if doc is None:
        return
    addr = doc["address"]
    for args in (["struct", "task_struct", addr], ["union", "rcu_special", addr], ["p", "init_task.se"],
                 ["p", "-a", "4", "init_task"]):
        what = " ".join(a for a in args if a != addr)
        text, d = c.run(f"{label}: {what}", "struct" if args[0] != "p" else "p", dump, *args)
        if d is None:
            continue
        want = value_lines(d, 1, [])
        head = f"{d['name']} = " if d["name"] else f"{d['type']} "
        c.tap.ok(text.startswith(head + "{"), f"{label}: {args[0]} {args[1]}: text starts with the JSON's name or type",
                 text[:200])
        c.same(f"{label}: {what}", text_value_lines(text), want, "value nodes")
    text, d = c.run(f"{label}: struct task_struct.comm,pid", "struct", dump, "struct", "task_struct.comm,pid", addr)
    if d is not None:
        got = [(l.split(" = ")[0].strip(), l.split(" = ")[1].split(" ")[0]) for l in text.splitlines()]
        c.same(f"{label}: struct task_struct.comm,pid", got,
               [(n["name"], value_token(n) if value_token(n) != '"' else '"' + n["value"] + '"') for n in d["value"]],
               "member paths")
    text, d = c.run(f"{label}: p runqueues:a.nr_running", "p", dump, "p", "runqueues:a.nr_running")
    if d is not None:
        c.same(f"{label}: p runqueues:a.nr_running", [tuple(l.split(" = ")) for l in text.splitlines()],
               [(n["name"], str(n["value"])) for n in d["values"]], "per-CPU values")
    text, d = c.run(f"{label}: p runqueues", "p", dump, "p", "runqueues")
    if d is not None:
        got = [(int(m.group(1)), int(m.group(2), 16)) for m in re.finditer(r"\[(\d+)\]: ([0-9a-f]+)", text)]
        c.same(f"{label}: p runqueues", got, [(x["cpu"], h(x["address"])) for x in d["percpu"]], "per-CPU addresses")


WHATIS_LINE = re.compile(r"^/\* +(0x[0-9a-f]+)(?::\s*(\d+))? \| +(\d+) \*/( +)(.*)$")


def whatis_members(members, depth, out):
    """(depth, offset, bit_offset, size, bit_size) of every member, nested ones after their own."""
    for m in members:
        out.append((depth, m["offset"], m.get("bit_offset", 0), m["size"], m.get("bit_size", 0)))
        whatis_members(m.get("members", []), depth + 1, out)
    return out


def check_whatis(c, label, dump):
    for args in (["task_struct"], ["-r", "mm_struct"], ["orc_entry"], ["union", "kvm_mmu_page_role"]):
        what = " ".join(args)
        kind = args[0] if args[0] == "union" else None
        text, d = c.run(f"{label}: whatis {what}", "whatis", dump, *(["whatis"] + (args if not kind else [what])))
        if d is None:
            continue
        got = []
        for l in text.splitlines():
            m = WHATIS_LINE.match(l)
            if m:
                bits = re.search(r" : (\d+);$", m.group(5))
                got.append(((len(m.group(4)) - 4) // 4, int(m.group(1), 16), int(m.group(2) or 0), int(m.group(3)),
                            int(bits.group(1)) if bits else 0))
        total = re.search(r"/\* total size \(bytes\): (\d+) \*/", text)
        c.tap.ok(d["declaration_kind"] == "type" and total and int(total.group(1)) == d["size"]
                 and text.startswith(f"/*     offset |   size */  type = {d['name']} {{"),
                 f"{label}: whatis {what}: the text's type and total size are the JSON's", text[:200])
        c.same(f"{label}: whatis {what}", got, whatis_members(d["members"], 0, []), "type members")
    text, d = c.run(f"{label}: whatis enum pid_type", "whatis", dump, "whatis", "enum pid_type")
    if d is not None:
        c.same(f"{label}: whatis enum pid_type", re.findall(r"^    (\w+) = (-?\d+),$", text, re.M),
               [(e["name"], str(e["value"])) for e in d["enumerators"]], "enumerators")
    got, want = [], []
    for name in ("jiffies", "runqueues", "init_task", "panic", "schedule"):
        text, d = c.run(f"{label}: whatis {name}", "whatis", dump, "whatis", name)
        if d is None:
            continue
        m = re.match(r"^(.*);  /\* (?:(\d+) bytes, (at|per-CPU offset) |function at )(0x[0-9a-f]+); type from (.*) \*/$",
                     text.strip())
        got.append((m.group(1), int(m.group(2) or 0), m.group(3) == "per-CPU offset", int(m.group(4), 16)) if m
                   else text)
        if d["kind"] == "function":
            want.append((d["prototype"], 0, False, h(d["address"])))
        else:
            want.append((f"{d['type']} {name}" if not d["type"].endswith("*") else f"{d['type']}{name}", d["size"],
                         d["percpu"], h(d["address"])))
    c.same(f"{label}: whatis of variables and functions", got, want, "declarations")



def check_task(c, label, dump, tasks):
    # The panicking task, and a sleeping one.
    sleeping = [t for t in tasks if not t["active"] and not t["idle"]][:1]
    for args in [()] + [("0x" + t["task"][2:],) for t in sleeping]:
        text, doc = c.run(f"{label}: task {' '.join(args)}", "task", dump, "task", *args)
        if doc is None:
            continue
        f = dict(re.findall(r"([A-Z_]+): (\S+)", text))
        got = [int(f["PID"]), int(f["TASK"], 16), int(f["CPU"]), int(f["TGID"]), int(f["PPID"]),
               int(f["PARENT"], 16), f["STATE"], int(f["FLAGS"], 16), int(f["STACK"], 16), int(f["SP"], 16),
               int(f["MM"], 16), int(f["ACTIVE_MM"], 16), re.search(r'COMMAND: "(.*)"', text).group(1)]
        want = [doc["pid"], h(doc["task"]), doc["cpu"], doc["tgid"], doc["ppid"], h(doc["parent"]), doc["state"],
                h(doc["flags"]), h(doc["stack"]), h(doc["sp"]), h(doc["mm"]), h(doc["active_mm"]), doc["comm"]]
        c.same(f"{label}: task {' '.join(args)}", got, want, "fields")


FRAME = re.compile(r"^ #(\d+) +\[([0-9a-f]{16})\] (.*?)(?: at ([0-9a-f]{16})| \(pc unknown\))  (\w+)$")
SLOT = re.compile(r"^    ([0-9a-f]{16}): ([0-9a-f]{16})(.*)$")


def symbol(f):
    s = f"{f['function']}+0x{f['offset']:x}" if f["function"] else "?"
    return s + (f" [{f['module']}]" if f["module"] else "")


def parse_bt(text):
    """Backtraces from bt --reasons --stale -f text: header, frames with reasons and slots, note, stale."""
    out = []
    cur = None
    section = None
    for l in text.splitlines():
        m = re.match(r'^PID: (-?\d+) +TASK: ([0-9a-f]{16})  CPU: (\d+|-) +COMMAND: "(.*)"$', l)
        if m:
            cur = {"pid": int(m.group(1)), "task": int(m.group(2), 16),
                   "cpu": None if m.group(3) == "-" else int(m.group(3)), "comm": m.group(4),
                   "frames": [], "stale": [], "note": "", "regs": None}
            out.append(cur)
            section = "frames"
            continue
        if cur is None or not l:
            continue
        m = re.match(r"^  (?:CPU \d+, registers|not running; registers): (.*)$", l)
        if m and cur["regs"] is None:
            cur["regs"] = m.group(1)
            continue
        m = FRAME.match(l)
        if m and section == "frames":
            cur["frames"].append({"slot": int(m.group(2), 16), "symbol": m.group(3),
                                  "pc": int(m.group(4), 16) if m.group(4) else None, "status": m.group(5),
                                  "reason": None, "slots": []})
            continue
        m = SLOT.match(l)
        if m and section == "frames" and cur["frames"]:
            marks = re.findall(r"  (stale return address|saved \w+|\w+ of \S+)", m.group(3))
            cur["frames"][-1]["slots"].append((int(m.group(1), 16), int(m.group(2), 16), marks))
            continue
        if l == "  stale values on the stack, not frames:":
            section = "stale"
            continue
        m = re.match(r"^    \[([0-9a-f]{16})\] (.*) at ([0-9a-f]{16})$", l)
        if m and section == "stale":
            cur["stale"].append({"slot": int(m.group(1), 16), "symbol": m.group(2), "pc": int(m.group(3), 16),
                                 "reason": None})
            continue
        m = re.match(r"^  \((.*)\)$", l)
        if m and section == "frames":
            cur["note"] = m.group(1)
            continue
        if l.startswith("       ") and not l.startswith("        "):
            items = cur["stale"] if section == "stale" else cur["frames"]
            if items and items[-1]["reason"] is None:
                items[-1]["reason"] = l[7:]
    return out


def check_bt(c, label, dump, args, kind="bt"):
    text, doc = c.run(f"{label}: bt {' '.join(args)}", kind, dump, "bt", *args)
    if doc is None:
        return None
    got, want = parse_bt(text), doc["backtraces"]
    c.same(f"{label}: bt {' '.join(args)}", [(b["pid"], b["task"], b["cpu"], b["comm"], b["regs"], b["note"])
                                             for b in got],
           [(b["task"]["pid"], h(b["task"]["address"]), b["cpu"], b["task"]["comm"], b["registers_source"],
             b["note"]) for b in want], "backtraces")
    gf = [(f["slot"], f["symbol"], f["pc"], f["status"], f["reason"]) for b in got for f in b["frames"]]
    wf = [(h(f["slot"]) or h(f["sp"]), symbol(f), h(f["pc"]), f["status"],
           f["reason"] if "--reasons" in args or f["status"] != "verified" else None)
          for b in want for f in b["frames"]]
    c.same(f"{label}: bt {' '.join(args)}", gf, wf, "frames")
    gs = [(f["slot"], f["symbol"], f["pc"], f["reason"]) for b in got for f in b["stale"]]
    ws = [(h(f["slot"]), symbol(f), h(f["pc"]), f["reason"]) for b in want for f in b["stale"]]
    c.same(f"{label}: bt {' '.join(args)}", gs, ws, "stale values", may_be_empty=True)
    if "-f" in args:
        def marks(s):
            return [("stale return address" if m["kind"] == "stale_return" else
                     f"saved {m['name']}" if m["kind"] == "saved_register" else f"{m['name']} of {m['function']}")
                    for m in s["marks"]]
        gl = [s for b in got for f in b["frames"] for s in f["slots"]]
        wl = [(h(s["address"]), h(s["value"]), marks(s)) for b in want for f in b["frames"]
              for s in f.get("slots", [])]
        c.same(f"{label}: bt {' '.join(args)}", gl, wl, "stack slots")
    return doc


def check_explain(c, label, dump):
    text, doc = c.run(f"{label}: bt --explain", "bt", dump, "bt", "--explain")
    if doc is None:
        return
    verdicts = re.findall(r"^ +verdict: (\w+): (.*)$", text, re.M)
    want = [(f["call_site"]["verdict"], f["call_site"]["reason"]) for b in doc["backtraces"] for f in b["frames"]
            if f.get("call_site") and f["call_site"]["kind"] != "none"]
    c.same(f"{label}: bt --explain", verdicts, want, "call-site verdicts")
    sites = [f["call_site"] for b in doc["backtraces"] for f in b["frames"]
             if f.get("call_site") and f["call_site"]["kind"] != "none"]
    for cs in sites[:2]:
        text, one = c.run(f"{label}: callsite {cs['return_address']}", "callsite", dump, "callsite",
                          cs["return_address"])
        if one is None:
            continue
        m = re.search(r"^call site: 0x([0-9a-f]{16}) <(.*?)>: (.*)  \((\w+)\)$", text, re.M)
        v = re.search(r"^  verdict: (\w+): (.*)$", text, re.M)
        got = [(int(m.group(1), 16), m.group(2), m.group(3), m.group(4)) if m else None,
               (v.group(1), v.group(2)) if v else None]
        c.same(f"{label}: callsite {cs['return_address']}", got,
               [(h(one["address"]), one["caller"], one["instruction"], one["kind"]),
                (one["verdict"], one["reason"])], "call-site fields")


def check_exceptions(c, label, dump):
    text, doc = c.run(f"{label}: bt -E", "bt -E", dump, "bt", "-E")
    if doc is None:
        return
    got = [(int(m.group(1)), m.group(2), int(m.group(3), 16), int(m.group(4), 16))
           for m in re.finditer(r"^CPU (\d+) (.*?) \[([0-9a-f]{16})-([0-9a-f]{16})\]", text, re.M)]
    want = [(s["cpu"], s["stack"], h(s["start"]), h(s["end"])) for s in doc["stacks"]]
    c.same(f"{label}: bt -E", got, want, "stacks")
    got = [int(a, 16) for a in re.findall(r"exception frame: pt_regs at ([0-9a-f]{16})", text)]
    want = [h(f["address"]) for s in doc["stacks"] for f in s["frames"]]
    c.same(f"{label}: bt -E", got, want, "exception frames", may_be_empty=True)


def check_ps_times(c, label, dump):
    """ps -t: the same tasks and times in text and JSON."""
    text, doc = c.run(f"{label}: ps -t", "ps -t", dump, "ps", "-t")
    if doc is None:
        return
    got = [(int(m[0]), int(m[1], 16), int(m[2]), int(m[3]), int(m[4]))
           for m in re.findall(r'^PID: (\d+) +TASK: ([0-9a-f]{16}).*\n    RUN TIME: .*\n  START TIME: (\d+)\n'
                               r'       UTIME: (\d+)\n       STIME: (\d+)$', text, re.M)]
    want = [(t["pid"], h(t["task"]), t["start_time"], t["utime"], t["stime"]) for t in doc["tasks"]]
    c.same(f"{label}: ps -t", got, want, "ps -t tasks")


def check_foreach_task(c, label, dump):
    """foreach RU task: one text block per task of the JSON list."""
    text, doc = c.run(f"{label}: foreach RU task", "foreach task", dump, "foreach", "RU", "task")
    if doc is None:
        return
    got = [(int(m[0]), int(m[1], 16)) for m in re.findall(r"^PID: (\d+) +TASK: ([0-9a-f]{16})", text, re.M)]
    c.same(f"{label}: foreach RU task", got, [(t["pid"], h(t["task"])) for t in doc["task_details"]],
           "foreach task blocks")


def check_sym_mod_lists(c, label, dump):
    """sym PATTERN and mod -t: the same symbols and taints in text and JSON."""
    text, doc = c.run(f"{label}: sym 'schedule*'", "sym -l", dump, "sym", "schedule*")
    if doc is not None:
        got = [(int(a, 16), t, n, m or None) for a, t, n, m in
               re.findall(r"^([0-9a-f]{16}) \((.)\) (\S+)(?: \[(\S+)\])?$", text, re.M)]
        c.same(f"{label}: sym 'schedule*'", got, [(h(s["address"]), s["type"], s["name"], s["module"])
                                                  for s in doc["symbols"]], "wildcard symbols")
    text, doc = c.run(f"{label}: mod -t", "mod -t", dump, "mod", "-t")
    if doc is not None:
        got = [tuple(line.split()) for line in text.splitlines()[1:] if line.strip()]
        c.same(f"{label}: mod -t", got, [(m["name"], m["letters"]) for m in doc["modules"] if m["taints"]],
               "tainted modules", may_be_empty=True)


def check_runq(c, label, dump):
    """runq and its views -t, -m, -g: the same CPUs, tasks and times in text and JSON."""
    text, doc = c.run(f"{label}: runq", "runq", dump, "runq")
    if doc is None:
        return
    task = r'PID: (\d+) +TASK: ([0-9a-f]{16})  COMMAND: "(.*)"'
    got, cpu, section = [], None, None
    for line in text.splitlines():
        m = re.match(r"^CPU (\d+) RUNQUEUE: ([0-9a-f]{16})$", line)
        if m:
            cpu = int(m.group(1))
            got.append((cpu, "rq", int(m.group(2), 16)))
            continue
        m = re.match(r"^  (CURRENT|STOP): " + task + "$", line)
        if m:
            got.append((cpu, m.group(1).lower(), int(m.group(2)), int(m.group(3), 16), m.group(4)))
            continue
        m = re.match(r"^  (RT PRIO_ARRAY|CFS RB_ROOT|DL RB_ROOT): ([0-9a-f]{16})$", line)
        if m:
            section = {"RT PRIO_ARRAY": "rt", "CFS RB_ROOT": "fair", "DL RB_ROOT": "deadline"}[m.group(1)]
            got.append((cpu, section + " root", int(m.group(2), 16)))
            continue
        m = re.match(r"^     \[ *(-?\d+)\] " + task + "$", line)
        if m:
            got.append((cpu, section, int(m.group(1)), int(m.group(2)), int(m.group(3), 16), m.group(4)))
        elif re.match(r"^     \[DL server\] ENTITY: ([0-9a-f]{16})$", line):
            got.append((cpu, section, "server", int(line.split()[-1], 16)))
    want = []
    for p in doc["cpus"]:
        n = p["cpu"]
        want.append((n, "rq", h(p["rq"])))
        if p["current"]:
            want.append((n, "current", p["current"]["pid"], h(p["current"]["task"]), p["current"]["comm"]))
        want += [(n, "stop", q["task"]["pid"], h(q["task"]["task"]), q["task"]["comm"])
                 for q in p["queued"] if q["class"] == "stop"]
        for cls, root in (("rt", "rt_array"), ("fair", "cfs_root"), ("deadline", "dl_root")):
            want.append((n, cls + " root", h(p[root])))
            want += [(n, cls, q["prio"], q["task"]["pid"], h(q["task"]["task"]), q["task"]["comm"]) if q["task"]
                     else (n, cls, "server", h(q["entity"])) for q in p["queued"] if q["class"] == cls]
    c.same(f"{label}: runq", got, want, "runqueue lines")
    for flag in ("-t", "-m"):
        text, doc = c.run(f"{label}: runq {flag}", "runq", dump, "runq", flag)
        if doc is None:
            continue
        got = re.findall(r"^ CPU (\d+): (\S+)$\n +(\d+)  " + task + "$", text, re.M) if flag == "-t" else \
            re.findall(r"^ CPU (\d+): \[([^\]]*)\]  " + task + "$", text, re.M)
        want = []
        for p in doc["cpus"]:
            if flag == "-t":
                width = len(str(p["clock"]))
                want.append((str(p["cpu"]), str(p["clock"]), f"{p['last_arrival']:0{width}d}",
                             str(p["current"]["pid"]), p["current"]["task"][2:], p["current"]["comm"]))
            else:
                ms = (p["run_time"] or 0) // 1000000
                sec = ms // 1000
                want.append((str(p["cpu"]), "(no clock)" if p["run_time"] is None else
                             f"{sec // 86400} {sec // 3600 % 24:02d}:{sec // 60 % 60:02d}:"
                             f"{sec % 60:02d}.{ms % 1000:03d}", str(p["current"]["pid"]), p["current"]["task"][2:],
                             p["current"]["comm"]))
        c.same(f"{label}: runq {flag}", got, want, f"runq {flag} lines")
    text, doc = c.run(f"{label}: runq -g", "runq", dump, "runq", "-g")
    if doc is None:
        return
    got = sorted(re.findall(r"^ +\[ *-?\d+\] " + task + "( \[CURRENT\])?$", text, re.M))
    want = []
    for p in doc["cpus"]:
        want += [(str(q["task"]["pid"]), q["task"]["task"][2:], q["task"]["comm"], "")
                 for q in p["queued"] if q["task"] and q["class"] in ("rt", "fair", "deadline")]
        rt_current = p["current_prio"] is not None and 0 <= p["current_prio"] < 100
        if p["current"] and (p["current_queue"] or rt_current):
            want.append((str(p["current"]["pid"]), p["current"]["task"][2:], p["current"]["comm"], " [CURRENT]"))
    c.same(f"{label}: runq -g", got, sorted(want), "runq -g task lines")


def check_kmem(c, label, dump):
    """kmem -i and kmem -s: the numbers of the text are the JSON document's."""
    text, doc = c.run(f"{label}: kmem -i", "kmem -i", dump, "kmem", "-i")
    if doc:
        rows = dict((m.group(1), int(m.group(2))) for m in re.finditer(r"^ *([A-Z][A-Z ]+?) +(\d+) ", text, re.M))
        want = {"TOTAL MEM": doc["total"], "FREE": doc["free"], "USED": doc["used"], "SHARED": doc["shared"],
                "BUFFERS": doc["buffers"], "CACHED": doc["cached"], "SLAB": doc["slab"]}
        c.same(f"{label}: kmem -i", sorted((k, rows.get(k)) for k in want), sorted(want.items()), "kmem -i rows")
    text, doc = c.run(f"{label}: kmem -s", "kmem -s", dump, "kmem", "-s")
    if doc:
        got = [tuple(line.split()) for line in text.splitlines()[1:] if line.strip() and ": " not in line]
        want = [(x["cache"][2:], str(x["object_size"]), str(x["allocated"]), str(x["total"]), str(x["slabs"]),
                 f"{x['slab_size'] // 1024}k", x["name"]) for x in doc["caches"]]
        c.same(f"{label}: kmem -s", got, want, "kmem -s caches")
    text, doc = c.run(f"{label}: kmem -S", "kmem -S", dump, "kmem", "-S", "kmalloc-64")
    if doc:
        got = re.findall(r"^  ([0-9a-f]{16})  ([0-9a-f]{16}) +\d+ +(\d+) +(\d+) +(\d+)$", text, re.M)
        want = [(x["slab"][2:], x["memory"][2:], str(x["total"]), str(x["allocated"]), str(x["free"]))
                for x in doc["caches"][0]["slabs"] if x["objects"] is not None]
        c.same(f"{label}: kmem -S", got, want, "kmem -S slabs")
    text, doc = c.run(f"{label}: kmem -v", "kmem -v", dump, "kmem", "-v")
    if doc:
        got = [tuple(line.split()[:6]) for line in text.splitlines()[1:]
               if len(line.split()) >= 6 and line.split()[3] == "-"]  # rows with a vm_struct
        want = [(x["vmap_area"][2:], x["vm_struct"][2:], x["start"][2:], "-", x["end"][2:], str(x["size"]))
                for x in doc["areas"] if x["vm_struct"]]
        c.same(f"{label}: kmem -v", got, want, "kmem -v areas")
    text, doc = c.run(f"{label}: kmem -p", "kmem -p", dump, "kmem", "-p", "0", "100000")
    if doc:
        got = [tuple(line.split()[:6]) for line in text.splitlines()[1:] if not line.startswith("(")]
        want = [(x["page"][2:], f"{int(x['phys'], 16):x}", f"{int(x['mapping'], 16):x}", f"{x['index']:x}",
                 str(x["count"]), f"{int(x['flags'], 16):x}") if x["readable"] else
                (x["page"][2:], f"{int(x['phys'], 16):x}", "(not", "in", "the", "dump)") for x in doc["pages"]]
        c.same(f"{label}: kmem -p", got, want, "kmem -p pages")
def check_bt_scans_groups_list(c, label, dump):
    """bt -t, -e, -g and list: the same words, frames, groups and entries in text and JSON."""
    text, doc = c.run(f"{label}: bt -a -t", "bt -t", dump, "bt", "-a", "-t")
    if doc is not None:
        # a module's function is followed by its [module]
        got = re.findall(r"^  \[([0-9a-f]{16})\] \S+(?: \[[^\]]+\])? at ([0-9a-f]{16})", text, re.M)
        c.same(f"{label}: bt -a -t", got, [(x["slot"][2:], x["value"][2:]) for s in doc["stack_scans"]
                                           for x in s["text"]], "stack code addresses")
    text, doc = c.run(f"{label}: bt -a -e", "bt -t", dump, "bt", "-a", "-e")
    if doc is not None:
        got = re.findall(r"^  (USER|KERNEL)-MODE EXCEPTION FRAME AT: ([0-9a-f]{16})", text, re.M)
        c.same(f"{label}: bt -a -e", got, [(f["mode"].upper(), f["address"][2:]) for s in doc["stack_scans"]
                                           for f in s["frames"]], "stack exception frames", may_be_empty=True)
    text, doc = c.run(f"{label}: bt --all-tasks -g", "bt -g", dump, "bt", "--all-tasks", "-g")
    if doc is not None:
        got = [int(n) for n in re.findall(r"^(\d+) tasks?:", text, re.M)]
        c.same(f"{label}: bt --all-tasks -g", got, [g["count"] for g in doc["groups"]], "backtrace groups")
    text, doc = c.run(f"{label}: list -h init_task", "list", dump, "list", "task_struct.tasks", "-s",
                      "task_struct.pid", "-h", "init_task")
    if doc is not None:
        got = re.findall(r"^([0-9a-f]{16})\n  pid = (\d+)$", text, re.M)
        c.same(f"{label}: list -h init_task", got, [(e["address"][2:], str(e["value"]["value"][0]["value"]))
                                                    for e in doc["entries"]], "list entries")


def check_codes_documented(tap, schema):
    """Every code the schema allows is listed in docs/json.md with a meaning, and the reverse."""
    with open(DOCS) as f:
        docs = f.read()
    section = docs[docs.index("## Codes"):docs.index("## `sys`")]
    listed = set(re.findall(r"^\| `([a-z_0-9]+\.[a-z_.0-9]+)` \| \S", section, re.M))
    allowed = set()

    def walk(node):
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "enum" and any(isinstance(x, str) and "." in x for x in v):
                    allowed.update(x for x in v if isinstance(x, str))
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
    walk(schema)
    tap.ok(len(allowed) > 40 and allowed == listed,
           f"docs/json.md lists every code of the schema ({len(allowed)}) with its meaning",
           f"in the schema only: {sorted(allowed - listed)}; in the docs only: {sorted(listed - allowed)}")
    return allowed


def check_weekly(c, label, dump):
    """crash's files (and the commands beside it): text rows and JSON alike, the document valid."""
    text, doc = c.run(f"{label}: files", "files", dump, "files")
    if doc is not None:
        row = re.compile(r"^ *(\d+) ([0-9a-f]{16}) ([0-9a-f]{16}) ([0-9a-f]{16}) (\S+) +(.*)$")
        got = [m.groups() for m in map(row.match, text.splitlines()) if m]
        want = [(str(f["fd"]), f["file"][2:], f["dentry"][2:], f["inode"][2:], f["type"], f["path"])
                for f in doc["files"]]
        c.same(f"{label}: files", got, want, "open files", may_be_empty=True)
    text, doc = c.run(f"{label}: mount", "mount", dump, "mount")
    if doc is not None:
        row = re.compile(r"^([0-9a-f]{16}) ([0-9a-f]{16}) (\S+) +(\S+) +(\S.*?) *$")
        got = [m.groups() for m in map(row.match, text.splitlines()) if m]
        want = [(m["mount"][2:], m["super_block"][2:], m["type"], m["devname"], m["dirname"]) for m in doc["mounts"]]
        c.same(f"{label}: mount", got, want, "mounts")
    text, doc = c.run(f"{label}: sig", "sig", dump, "sig")
    if doc is not None:
        row = re.compile(r"^ ?\[(\d+)\] ([0-9a-f]+) +\S+ ([0-9a-f]{16}) ([0-9a-f]+) ")
        got = [(int(a), int(b, 16), int(m, 16), int(f, 16)) for a, b, m, f in
               (r.groups() for r in map(row.match, text.splitlines()) if r)]
        want = [(a["signal"], int(a["sigaction"], 16), int(a["mask"], 16), int(a["flags"], 16)) for a in doc["actions"]]
        c.same(f"{label}: sig", got, want, "signal handlers")
    text, doc = c.run(f"{label}: net", "net", dump, "net")
    if doc is not None:
        row = re.compile(r"^([0-9a-f]{16})  (\S+) *(.*)$")
        got = [(a, n, [i for i in ips.split(", ") if i]) for a, n, ips in
               (r.groups() for r in map(row.match, text.splitlines()) if r)]
        want = [(x["net_device"][2:], x["name"], x["ipv4"]) for x in doc["devices"]]
        c.same(f"{label}: net", got, want, "network devices")
    text, doc = c.run(f"{label}: vm", "vm", dump, "vm")
    if doc is not None:
        row = re.compile(r"^([0-9a-f]{16}) +([0-9a-f]+) +([0-9a-f]+) ([0-9a-f]+) (.*)$")
        got = [m.groups() for m in map(row.match, text.splitlines()) if m]
        want = [(v["vma"][2:], "%x" % int(v["start"], 16), "%x" % int(v["end"], 16), "%x" % v["flags"],
                 v["path"] or "") for v in doc["vmas"]]
        c.same(f"{label}: vm", got, want, "VMAs", may_be_empty=True)
    text, doc = c.run(f"{label}: irq", "irq", dump, "irq")
    if doc is not None:
        row = re.compile(r"^ *(\d+) +([0-9a-f]{16})  ([0-9a-f]{16})  \"(.*)\"$")
        got = [m.groups() for m in map(row.match, text.splitlines()) if m]
        want = [(str(x["irq"]), x["desc"][2:], x["actions"][0]["action"][2:], x["actions"][0]["name"])
                for x in doc["irqs"] if x["actions"]]
        c.same(f"{label}: irq", got, want, "IRQ handlers")
    text, doc = c.run(f"{label}: vtop", "vtop", dump, "vtop", "jiffies", "init_task", "linux_banner")
    if doc is not None:
        row = re.compile(r"^  (PML5E|PML4E|PDPTE|PDE|PTE) +([0-9a-f]+) +(\d+) +([0-9a-f]+) +([0-9a-f]{16})$")
        got = [m.groups() for m in map(row.match, text.splitlines()) if m]
        want = [(s["level"], s["table"][2:].lstrip("0") or "0", str(s["index"]),
                 s["entry_address"][2:].lstrip("0") or "0", s["entry"][2:])
                for t in doc["translations"] for s in t["walk"]]
        c.same(f"{label}: vtop", got, want, "page-table entries")


def check_crash_vocabulary(c, label, dump):
    """crash's timer (and the commands beside it): text rows and JSON alike, the document valid."""
    text, doc = c.run(f"{label}: timer", "timer", dump, "timer")
    if doc is not None:
        row = re.compile(r"^  +(\d+) +(-?\d+)  ([0-9a-f]{16})  ([0-9a-f]+)  <")
        got = [m.groups() for m in map(row.match, text.splitlines()) if m]
        want = [(str(t["expires"]), str(t["tte"]), t["address"][2:], t["function"][2:])
                for b in doc["bases"] for t in b["timers"]]
        c.same(f"{label}: timer", got, want, "timer_lists")
    text, doc = c.run(f"{label}: timer -r", "timer -r", dump, "timer", "-r")
    if doc is not None:
        row = re.compile(r"^  +(\d+)  +(\d+)  +(-?\d+)  ([0-9a-f]+)  ([0-9a-f]+)  <")
        got = [m.groups() for m in map(row.match, text.splitlines()) if m]
        want = [(str(t["softexpires"]), str(t["expires"]), str(t["tte"]), t["address"][2:], t["function"][2:])
                for b in doc["hrtimer_bases"] for t in b["timers"]]
        c.same(f"{label}: timer -r", got, want, "hrtimers")
    text, doc = c.run(f"{label}: dev", "dev", dump, "dev")
    if doc is not None:
        row = re.compile(r"^ +(\d+)      (\S+) +([0-9a-f]{16}|\(none\))")
        got = [m.groups() for m in map(row.match, text.split("\nBLKDEV")[0].splitlines()) if m]
        want = [(str(x["major"]), x["name"], x["cdev"][2:] if x["ops"] else "(none)") for x in doc["chrdevs"]]
        c.same(f"{label}: dev", got, want, "character devices")
    text, doc = c.run(f"{label}: swap", "swap", dump, "swap")
    if doc is not None:
        rows = [line.split()[0] for line in text.splitlines()[1:] if not line.startswith(("(", " "))]
        # The text says "no swap configured" exactly when nr_swapfiles is 0, then one row per area.
        got = [doc["nr_swapfiles"] == 0] + rows
        want = ["(no swap configured: nr_swapfiles is 0)" in text] + [a["swap_info_struct"][2:] for a in doc["areas"]]
        c.same(f"{label}: swap", got, want, "swap facts")


SANITIZER_SCENARIOS = ("panic", "nmi-stuck", "hung-locks", "kvm-svm", "qemu-dump", "callforms")


def main():
    tap = Tap()
    with open(SCHEMA_FILE) as f:
        schema = json.load(f)
    check_codes_documented(tap, schema)
    c = Checker(tap, schema)
    codes = set()
    names = scenarios()
    # The sanitizer build checks memory, not the kernels' variety: every command on a few dumps
    # of different kinds (the -O2 build runs them all on every kernel), at a third of the time.
    with open(os.environ.get("KTRIAGE", ""), "rb") as f:
        sanitizer = b"__asan_init" in f.read()
    if sanitizer:
        names = [n for n in names if n in SANITIZER_SCENARIOS]
        print(f"# the sanitizer build: every command on {', '.join(names)}")
        tap.ok(len(names) == len(SANITIZER_SCENARIOS), f"the sanitizer build's {len(names)} scenarios are made")
    for name in names:
        d = scenario_dir(tap, name)
        if not d:
            continue
        dump = os.path.join(d, "vmcore.kdump")
        if not os.path.exists(dump):
            dump = os.path.join(d, "vmcore.qemu.elf")
        label = name
        check_sys(c, label, dump)
        check_report(c, label, dump)
        tasks = check_ps(c, label, dump)
        check_ps_states(c, label, dump)
        check_ps_views(c, label, dump, tasks or [])
        check_log(c, label, dump)
        check_mod(c, label, dump)
        check_sym_dis(c, label, dump)
        check_rd(c, label, dump)
        check_percpu(c, label, dump)
        check_values(c, label, dump)
        check_whatis(c, label, dump)
        check_task(c, label, dump, tasks)
        for args in (["-a", "--reasons", "--stale"], ["-a", "-f"], ["--all-tasks", "--reasons", "--stale"]):
            doc = check_bt(c, label, dump, args)
            for b in (doc or {}).get("backtraces", []):
                codes.update([b["note_code"], b["registers_code"]] + [f["reason_code"] for f in b["frames"] + b["stale"]])
        check_explain(c, label, dump)
        check_exceptions(c, label, dump)
        check_bt_raw(c, label, dump)
        check_runq(c, label, dump)
        check_ps_times(c, label, dump)
        check_ps_args(c, label, dump, tasks)
        check_foreach_task(c, label, dump)
        check_sym_mod_lists(c, label, dump)
        check_kmem(c, label, dump)
        check_weekly(c, label, dump)
        check_bt_scans_groups_list(c, label, dump)
        check_crash_vocabulary(c, label, dump)
    for what, n in sorted(c.totals.items()):
        # A few dumps need not hold every kind of item; all of the lab's dumps must.
        if not sanitizer or n:
            tap.ok(n > 0, f"text and JSON compared: {n} {what} over every dump")
    tap.ok(sum(c.totals.values()) > 0, f"text and JSON compared: {sum(c.totals.values())} items in all")
    # The codes the lab's dumps exercise: the common ones must be among them.
    wanted = ("pc.cpu_registers", "pc.switch_frame", "ret.call_fits", "stop.end_of_stack", "stop.user_mode",
              "regs.crash_notes", "regs.switch_frame", "regs.none.nmi_unanswered", "stale.in_frame")
    for code in () if sanitizer else wanted:
        tap.ok(code in codes, f"some lab dump's backtraces carry {code}", sorted(codes))
    tap.done()


if __name__ == "__main__":
    main()
