/** Summary statistics and markdown helpers for the benchmark reports. */

/** Median, min and max of a list of numbers; undefined for an empty list. */
export function summarize(values) {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median =
    sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1], count: sorted.length };
}

/** Format a number with a fixed count of decimals, or '–' for undefined. */
export function fixed(value, decimals = 1) {
  return value === undefined || Number.isNaN(value) ? '–' : value.toFixed(decimals);
}

/** "median (min–max)" of a summary. */
export function spread(summary, decimals = 1) {
  if (summary === undefined) return '–';
  return `${fixed(summary.median, decimals)} (${fixed(summary.min, decimals)}–${fixed(summary.max, decimals)})`;
}

/** "1.23x", or '–' when either side is missing. */
export function ratio(value, reference) {
  if (value === undefined || reference === undefined || reference === 0) return '–';
  return `${(value / reference).toFixed(2)}x`;
}

/** Render a markdown table from a header row and body rows of cells. */
export function table(header, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Bytes as MiB with one decimal. */
export function mebibytes(bytes) {
  return bytes === undefined ? undefined : bytes / 1024 / 1024;
}
