#!/usr/bin/env python3
"""Starts the mock server on loopback, runs kit_bench against the kit and
the mock in one run, prints its figures, stops the mock.

    kit_figures.py KIT_BENCH [CALLS]
"""
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "mock"))
import mock_control  # noqa: E402


def main():
    bench = sys.argv[1]
    calls = sys.argv[2] if len(sys.argv) > 2 else "20000"
    with mock_control.MockServer() as mock:
        proc = subprocess.run([bench, calls, str(mock.port)], capture_output=True, text=True, timeout=300)
    sys.stdout.write(proc.stdout)
    sys.stderr.write(proc.stderr)
    if proc.returncode != 0:
        return proc.returncode
    # Instructions per call through the kit (the script re-armed and the
    # request checked each time): callgrind counts, unlike a clock, are the
    # same on a busy machine.
    if shutil.which("valgrind"):
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "cg.out")
            calls = 2000
            cg = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out, bench, str(calls)],
                                capture_output=True, text=True, timeout=300)
            if cg.returncode != 0:
                sys.stderr.write(cg.stderr)
                return 1
            total = None
            with open(out) as f:
                for line in f:
                    if line.startswith("summary:") or line.startswith("totals:"):
                        total = int(line.split()[1])
            if total is None:
                sys.stderr.write("kit_figures: no callgrind total\n")
                return 1
            print("figure: testkit_instructions_per_call = %d instructions (callgrind, %d calls, start-up included)"
                  % (total // calls, calls))
    return 0


if __name__ == "__main__":
    sys.exit(main())
