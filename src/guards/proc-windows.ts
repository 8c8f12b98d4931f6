import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { ProcessRow } from './proc-tree.js';

const execFileAsync = promisify(execFile);

const FIELDS = ['ProcessId', 'ParentProcessId', 'WorkingSetSize', 'UserModeTime', 'KernelModeTime'];

const POWERSHELL_COMMAND = `Get-CimInstance Win32_Process | Select-Object ${FIELDS.join(',')} | ConvertTo-Csv -NoTypeInformation`;

/** Split one CSV line; fields may be quoted, with "" for a quote inside. */
export function splitCsvLine(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let index = 0; index < line.length; index++) {
    const char = line[index]!;
    if (quoted) {
      if (char === '"' && line[index + 1] === '"') {
        field += '"';
        index++;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      fields.push(field);
      field = '';
    } else field += char;
  }
  fields.push(field);
  return fields;
}

/**
 * Parse Win32_Process rows as CSV, from PowerShell's ConvertTo-Csv or from
 * `wmic process get ... /format:csv`. Columns are found by header name, since
 * wmic sorts them and adds a Node column. WorkingSetSize (bytes) is Windows'
 * counterpart of RSS; UserModeTime and KernelModeTime count 100 ns units.
 */
export function parseWin32ProcessCsv(text: string): ProcessRow[] {
  const lines = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#TYPE'));
  const header = lines.shift();
  if (header === undefined) return [];

  const columns = splitCsvLine(header);
  const indexOf = (name: string) => columns.indexOf(name);
  const [pidAt, ppidAt, rssAt, userAt, kernelAt] = FIELDS.map(indexOf);
  if ([pidAt, ppidAt, rssAt, userAt, kernelAt].some((index) => index === undefined || index < 0)) {
    throw new Error(
      `unexpected Win32_Process CSV header "${header}": expected the columns ${FIELDS.join(', ')}`,
    );
  }

  const rows: ProcessRow[] = [];
  for (const line of lines) {
    const fields = splitCsvLine(line);
    const pid = Number(fields[pidAt!]);
    const ppid = Number(fields[ppidAt!]);
    const rssBytes = Number(fields[rssAt!] || 0);
    const user = Number(fields[userAt!] || 0);
    const kernel = Number(fields[kernelAt!] || 0);
    if (!Number.isInteger(pid) || !Number.isInteger(ppid)) continue;
    if ([rssBytes, user, kernel].some(Number.isNaN)) continue;
    rows.push({ pid, ppid, rssBytes, cpuSeconds: (user + kernel) / 1e7 });
  }
  return rows;
}

/**
 * Read the process table through PowerShell's CIM cmdlets, or wmic where
 * PowerShell fails to start (wmic is gone from current Windows 11).
 */
export async function readWindowsProcessTable(): Promise<ProcessRow[]> {
  const options = { timeout: 15_000, maxBuffer: 16 * 1024 * 1024, windowsHide: true };
  try {
    const { stdout } = await execFileAsync(
      'powershell.exe',
      ['-NoProfile', '-NonInteractive', '-Command', POWERSHELL_COMMAND],
      options,
    );
    return parseWin32ProcessCsv(stdout);
  } catch (powershellError) {
    try {
      const { stdout } = await execFileAsync(
        'wmic',
        ['process', 'get', FIELDS.join(','), '/format:csv'],
        options,
      );
      return parseWin32ProcessCsv(stdout);
    } catch {
      throw powershellError;
    }
  }
}
