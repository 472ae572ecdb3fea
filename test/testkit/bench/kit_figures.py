#!/usr/bin/env python3
"""Starts the mock server on loopback, runs kit_bench against the kit and
the mock in one run, prints its figures, stops the mock.

    kit_figures.py KIT_BENCH [CALLS]
"""
import os
import subprocess
import sys

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
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main())
