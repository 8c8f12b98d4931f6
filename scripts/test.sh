#!/usr/bin/env bash
# The whole test run, from a fresh clone: Debian packages the suites need,
# npm packages, build, lint, type check, then every test suite.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-test-deps.sh

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

npm run build
npm run lint
npx tsc -p test/tsconfig.json --noEmit

mkdir -p test-artifacts
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=test-artifacts/vitest.json "$@" || status=$?
node scripts/test-summary.mjs test-artifacts/vitest.json || true
exit "$status"
