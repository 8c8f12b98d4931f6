#!/bin/bash
# The app the watch benchmark restarts: it reports its PID to the benchmark
# over loopback TCP as soon as it runs, then sleeps with the socket open.
# Bash starts in about a millisecond, so the measured latency is the tool's.
exec 3<>"/dev/tcp/127.0.0.1/${BENCH_PORT:?BENCH_PORT is not set}"
echo "$$" >&3
exec sleep 100000
