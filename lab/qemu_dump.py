#!/usr/bin/env python3
"""Runs QEMU until the guest prints "KTGT qemu.ready", then dumps its memory from outside with
QMP's dump-guest-memory (ELF with QEMU's CPU notes) and stops QEMU.

    qemu_dump.py --serial LOG --out FILE [--timeout S] -- QEMU-COMMAND...
"""
import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time


def qmp(sock_path):
    s = socket.socket(socket.AF_UNIX)
    for _ in range(100):
        try:
            s.connect(sock_path)
            break
        except OSError:
            time.sleep(0.1)
    f = s.makefile("rw")
    json.loads(f.readline())  # greeting

    def call(cmd, **args):
        f.write(json.dumps({"execute": cmd, "arguments": args}) + "\n")
        f.flush()
        while True:
            msg = json.loads(f.readline())
            if "return" in msg:
                return msg["return"]
            if "error" in msg:
                raise RuntimeError(f"{cmd}: {msg['error']}")
    call("qmp_capabilities")
    return call


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--serial", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("qemu", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.qemu[1:] if a.qemu[:1] == ["--"] else a.qemu
    with tempfile.TemporaryDirectory() as tmp:
        sock = os.path.join(tmp, "qmp")
        proc = subprocess.Popen(cmd + ["-qmp", f"unix:{sock},server=on,wait=off"])
        deadline = time.time() + a.timeout
        try:
            while time.time() < deadline:
                if proc.poll() is not None:
                    sys.exit(f"qemu_dump: QEMU exited ({proc.returncode}) before the guest was ready")
                try:
                    with open(a.serial, "rb") as f:
                        if b"KTGT qemu.ready" in f.read():
                            break
                except FileNotFoundError:
                    pass
                time.sleep(0.5)
            else:
                sys.exit("qemu_dump: the guest never printed KTGT qemu.ready")
            time.sleep(2)  # let the guest settle into its hang
            call = qmp(sock)
            call("stop")
            call("dump-guest-memory", paging=False, protocol="file:" + os.path.abspath(a.out))
            call("quit")
        finally:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    main()
