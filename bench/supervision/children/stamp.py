"""Crash-loop app for the respawn benchmark: appends "start PID NS" at its
first statement and "exit PID NS" just before it exits with code 1 after
LIFETIME_MS. NS is CLOCK_MONOTONIC, which is one clock for every process on
Linux, so times from different processes compare.

Usage: stamp.py RECORD_FILE LIFETIME_MS
"""
import time

started = time.monotonic_ns()

import os  # noqa: E402
import sys  # noqa: E402

record, lifetime_ms = sys.argv[1], int(sys.argv[2])
with open(record, "a") as out:
    out.write(f"start {os.getpid()} {started}\n")
time.sleep(lifetime_ms / 1000)
with open(record, "a") as out:
    out.write(f"exit {os.getpid()} {time.monotonic_ns()}\n")
# os._exit skips interpreter teardown, so the stamp above is the exit.
os._exit(1)
