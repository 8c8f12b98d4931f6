"""Idle app for the idle-overhead benchmark: appends "start PID NS" and then
sleeps until it is stopped, printing nothing.

Usage: idle.py RECORD_FILE
"""
import os
import sys
import time

with open(sys.argv[1], "a") as out:
    out.write(f"start {os.getpid()} {time.monotonic_ns()}\n")
while True:
    time.sleep(3600)
