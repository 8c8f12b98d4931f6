// Crash-loop app for the respawn benchmark, the Node twin of stamp.py:
// "start PID NS" at its first statement, "exit PID NS" just before exit(1)
// after LIFETIME_MS. NS is process.hrtime.bigint(), CLOCK_MONOTONIC on Linux.
// CommonJS, so that the first statement runs before any module is loaded.
// Usage: node stamp.cjs RECORD_FILE LIFETIME_MS
const started = process.hrtime.bigint();

const { appendFileSync } = require('node:fs');

const [record, lifetimeMs] = process.argv.slice(2);
appendFileSync(record, `start ${process.pid} ${started}\n`);
setTimeout(() => {
  appendFileSync(record, `exit ${process.pid} ${process.hrtime.bigint()}\n`);
  process.exit(1);
}, Number(lifetimeMs));
