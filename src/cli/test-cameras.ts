import { cameraAddress, isProbeable, probeCamera } from '../cameras/probe.js';
import type { ProbeResult } from '../cameras/types.js';
import type { CameraConfig } from '../config/schema/cameras.js';

export interface TestCamerasOptions {
  json: boolean;
  /** Overrides every camera's own timeout. */
  timeoutMs?: number;
}

interface Row {
  name: string;
  kind: CameraConfig['kind'];
  address: string;
  status: ProbeResult['status'] | 'skipped';
  latencyMs: number | null;
  detail: string;
  clockSkewMs?: number;
}

/**
 * `crashproof test-cameras`: probe every camera once, all at the same time,
 * and print a table (or JSON with `json`). Addresses never show passwords.
 * Returns 0 when every probed camera is online, 1 otherwise. Cameras with
 * no url or device (a cloud doorbell) are listed as skipped and do not count.
 */
export async function runTestCameras(
  cameras: readonly CameraConfig[],
  options: TestCamerasOptions,
  out: NodeJS.WritableStream,
): Promise<number> {
  const rows = await Promise.all(cameras.map((camera) => testCamera(camera, options.timeoutMs)));

  if (options.json) {
    out.write(`${JSON.stringify(rows, null, 2)}\n`);
  } else if (rows.length === 0) {
    out.write('no cameras configured: add them under "cameras" in the config file\n');
  } else {
    out.write(formatTable(rows));
  }

  const probed = rows.filter((row) => row.status !== 'skipped');
  return probed.every((row) => row.status === 'online') ? 0 : 1;
}

async function testCamera(camera: CameraConfig, timeoutMs: number | undefined): Promise<Row> {
  const base = { name: camera.name, kind: camera.kind, address: cameraAddress(camera) };
  if (!isProbeable(camera)) {
    return {
      ...base,
      status: 'skipped',
      latencyMs: null,
      detail: "no url or device: judged from the app's health report",
    };
  }

  const result = await probeCamera(camera, timeoutMs === undefined ? {} : { timeoutMs });
  const row: Row = {
    ...base,
    status: result.status,
    latencyMs: result.latencyMs,
    detail: result.detail,
  };
  if (result.clockSkewMs !== undefined) row.clockSkewMs = result.clockSkewMs;
  return row;
}

function formatTable(rows: readonly Row[]): string {
  const header = ['NAME', 'KIND', 'ADDRESS', 'STATUS', 'LATENCY', 'DETAIL'];
  const cells = rows.map((row) => [
    row.name,
    row.kind,
    row.address,
    row.status,
    row.latencyMs === null ? '-' : `${row.latencyMs.toFixed(1)} ms`,
    row.detail,
  ]);

  // Every column but the last is padded to its widest cell.
  const widths = header.map((title, column) =>
    Math.max(title.length, ...cells.map((cell) => cell[column]!.length)),
  );
  const line = (values: string[]) =>
    values
      .map((value, column) =>
        column === values.length - 1 ? value : value.padEnd(widths[column]!),
      )
      .join('  ')
      .trimEnd();
  return `${[line(header), ...cells.map(line)].join('\n')}\n`;
}
