/**
 * Check a log file of numbered lines ("%09d " + 89 "x" + newline, 100 bytes
 * each, numbered from 0) for lost, reordered and malformed lines.
 */
import { createReadStream } from 'node:fs';

export const LINE_BYTES = 100;
const NUMBER_DIGITS = 9;

/**
 * Scan the file once. Lost lines are numbers below expectedLines that never
 * appear. A line whose number is below the highest seen before it counts as
 * reordered, and a number seen twice as duplicated. A line of another length
 * or shape, or with a number past the end, counts as malformed.
 */
export async function checkNumberedLines(file, expectedLines) {
  const result = { lines: 0, lost: 0, reordered: 0, duplicated: 0, malformed: 0 };
  const seen = new Uint8Array(expectedLines);
  let highest = -1;
  let carry = Buffer.alloc(0);

  const checkLine = (line) => {
    result.lines++;
    if (line.length !== LINE_BYTES - 1 || line[NUMBER_DIGITS] !== 0x20) {
      result.malformed++;
      return;
    }
    let number = 0;
    for (let index = 0; index < NUMBER_DIGITS; index++) {
      const digit = line[index] - 0x30;
      if (digit < 0 || digit > 9) {
        result.malformed++;
        return;
      }
      number = number * 10 + digit;
    }
    if (number >= expectedLines) {
      result.malformed++;
      return;
    }
    if (seen[number] === 1) result.duplicated++;
    else if (number < highest) result.reordered++;
    seen[number] = 1;
    highest = Math.max(highest, number);
  };

  for await (const chunk of createReadStream(file, { highWaterMark: 4 * 1024 * 1024 })) {
    const buffer = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
    let start = 0;
    for (let newline = buffer.indexOf(0x0a); newline >= 0; newline = buffer.indexOf(0x0a, start)) {
      checkLine(buffer.subarray(start, newline));
      start = newline + 1;
    }
    carry = Buffer.from(buffer.subarray(start));
  }
  if (carry.length > 0) checkLine(carry);
  for (const flag of seen) if (flag === 0) result.lost++;
  return result;
}
