"""Log-throughput app: writes LINES numbered lines of exactly 100 bytes to
stdout ("%09d " + 89 "x" + newline). It appends "start PID NS" before the
first write and "written PID NS" after the last. Then it sleeps until it is
stopped, so that no runner restarts it and the lines are written only once.

Usage: writer.py RECORD_FILE LINES
"""
import os
import sys
import time

record, total = sys.argv[1], int(sys.argv[2])
BATCH = 10_000
PAD = b"x" * 89

with open(record, "a") as out:
    out.write(f"start {os.getpid()} {time.monotonic_ns()}\n")

for first in range(0, total, BATCH):
    block = b"".join(b"%09d %s\n" % (number, PAD) for number in range(first, min(first + BATCH, total)))
    view = memoryview(block)
    # os.write may write less than asked on a pipe; loop until the block is out.
    while view:
        view = view[os.write(1, view):]

with open(record, "a") as out:
    out.write(f"written {os.getpid()} {time.monotonic_ns()}\n")
while True:
    time.sleep(3600)
