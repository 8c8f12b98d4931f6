#!/usr/bin/python3
"""A minimal Python respawn loop, a stand-in for a Python runner of the
watchfiles/subprocess kind: it restarts COMMAND at once whenever it exits,
copies its output into a file, and on SIGTERM terminates the child (SIGKILL
after the timeout). It does not signal process groups.

Usage: respawn-loop.py --log FILE [--stop-timeout SECONDS] -- COMMAND ARGS
"""

import argparse
import signal
import subprocess
import sys
import threading

parser = argparse.ArgumentParser()
parser.add_argument("--log", required=True)
parser.add_argument("--stop-timeout", type=float, default=10.0)
parser.add_argument("command", nargs=argparse.REMAINDER)
options = parser.parse_args()
command = options.command[1:] if options.command[:1] == ["--"] else options.command
if not command:
    parser.error("COMMAND is missing after --")

stopping = False
child = None


def on_sigterm(_signum, _frame):
    global stopping
    stopping = True
    if child is not None:
        child.terminate()
        timer = threading.Timer(options.stop_timeout, child.kill)
        timer.daemon = True
        timer.start()


signal.signal(signal.SIGTERM, on_sigterm)

with open(options.log, "ab", buffering=0) as log:
    while not stopping:
        child = subprocess.Popen(command, stdin=subprocess.DEVNULL,
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        # Copy until the child closes its output, then reap it.
        for chunk in iter(lambda: child.stdout.read1(65536), b""):
            log.write(chunk)
        child.wait()
sys.exit(0)
