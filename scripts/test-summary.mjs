// Print one closing line, "tests: N passed, N failed, N skipped", from
// vitest's JSON report, so CI logs end with a count in a common format.
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? 'test-artifacts/vitest.json';
let report;
try {
  report = JSON.parse(readFileSync(file, 'utf8'));
} catch (error) {
  console.error(`test-summary: cannot read ${file}: ${error.message}`);
  process.exit(1);
}
const passed = report.numPassedTests ?? 0;
const failed = report.numFailedTests ?? 0;
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
