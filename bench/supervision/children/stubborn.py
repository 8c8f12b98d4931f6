"""Stop-benchmark app that ignores SIGTERM and SIGINT (PM2's default stop
signal) and has a grandchild that ignores both too (SIG_IGN is inherited
across fork and exec), like an app whose ffmpeg worker must be killed.
Appends "ready PID GRANDCHILD_PID" once both run, then sleeps. The
grandchild's command line names MARKER, so that the bench can find it to
clean up.

Usage: stubborn.py RECORD_FILE MARKER
"""
import os
import signal
import subprocess
import sys
import time

record, marker = sys.argv[1], sys.argv[2]
signal.signal(signal.SIGTERM, signal.SIG_IGN)
signal.signal(signal.SIGINT, signal.SIG_IGN)
grandchild = subprocess.Popen(
    [sys.executable, "-c", "import time\nwhile True: time.sleep(3600)", marker],
    stdin=subprocess.DEVNULL,
)
with open(record, "a") as out:
    out.write(f"ready {os.getpid()} {grandchild.pid}\n")
while True:
    time.sleep(3600)
