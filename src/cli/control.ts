import path from 'node:path';
import { readStateFile, STATE_FILE } from '../status/state-file.js';
import { readTokenFile } from '../status/token.js';
import { runnerAlive } from './status.js';

export type ControlAction = 'restart' | 'stop' | 'start';

export interface ControlOptions {
  /** The token file; `crashproof.token` in the log directory by default (status.tokenFile). */
  tokenFile?: string;
  /** Written into the runner log beside the action. */
  reason?: string;
  out?: NodeJS.WritableStream;
  err?: NodeJS.WritableStream;
}

/** Exit codes of the control commands. */
export const CONTROL_OK = 0;
export const CONTROL_FAILED = 1;

const REQUEST_TIMEOUT_MS = 120_000;

/** A failure with the message the CLI prints. */
export class ControlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ControlError';
  }
}

/** `crashproof restart|stop|start NAME`: ask the running runner through its status server. */
export async function appControlCommand(
  logDir: string,
  action: ControlAction,
  app: string,
  options: ControlOptions = {},
): Promise<number> {
  return report(options, async () => {
    const body = options.reason === undefined ? undefined : { reason: options.reason };
    const result = await callRunner(
      logDir,
      `/api/apps/${encodeURIComponent(app)}/${action}`,
      body,
      options,
    );
    return `${app}: ${String(result.detail ?? action)} (now ${String(result.state ?? 'unknown')})`;
  });
}

/** `crashproof reload`: re-read the config file; new apps start, removed stop, changed restart. */
export async function reloadCommand(logDir: string, options: ControlOptions = {}): Promise<number> {
  return report(options, async () => {
    const result = await callRunner(logDir, '/api/reload', undefined, options);
    const list = (key: string): string => {
      const names = result[key];
      return Array.isArray(names) && names.length > 0 ? names.join(', ') : '-';
    };
    const lines = [
      `added: ${list('added')}`,
      `removed: ${list('removed')}`,
      `restarted: ${list('restarted')}`,
      `unchanged: ${list('unchanged')}`,
    ];
    if (Array.isArray(result.needsRunnerRestart) && result.needsRunnerRestart.length > 0)
      lines.push(`restart the runner to apply: ${result.needsRunnerRestart.join(', ')}`);
    return lines.join('\n');
  });
}

async function report(options: ControlOptions, run: () => Promise<string>): Promise<number> {
  const out = options.out ?? process.stdout;
  const err = options.err ?? process.stderr;
  try {
    out.write(`${await run()}\n`);
    return CONTROL_OK;
  } catch (error) {
    if (!(error instanceof ControlError)) throw error;
    err.write(`crashproof: ${error.message}\n`);
    return CONTROL_FAILED;
  }
}

/**
 * POST to a route of the runner that uses `logDir`: find its status server
 * in the state file, check that the runner is alive, and send its token.
 * Throws ControlError with the fix for each way this can fail.
 */
export async function callRunner(
  logDir: string,
  route: string,
  body: Record<string, unknown> | undefined,
  options: ControlOptions = {},
): Promise<Record<string, unknown>> {
  const stateFile = path.join(logDir, STATE_FILE);
  const state = await readStateFile(stateFile);
  if (state === undefined) {
    throw new ControlError(
      `no runner state at ${stateFile}: start the runner with \`crashproof run\`, or point --log-dir/--config at the directory it uses`,
    );
  }
  if (!(await runnerAlive(state))) {
    throw new ControlError(
      `the runner is not running (last pid ${state.runner.pid}); start it with \`crashproof run\``,
    );
  }
  const url = state.runner.statusUrl;
  if (url === null) {
    throw new ControlError(
      'the runner has no status server (status.enabled is false or it was started with --no-status); control commands need it',
    );
  }

  const tokenFile = path.resolve(logDir, options.tokenFile ?? 'crashproof.token');
  let token: string;
  try {
    token = await readTokenFile(tokenFile);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ControlError(
      code === 'EACCES'
        ? `cannot read the token file ${tokenFile}: permission denied; run as the user that runs crashproof (or root)`
        : `cannot read the token file ${tokenFile} (${code ?? (error as Error).message}); check status.tokenFile in the config`,
    );
  }

  let response: Response;
  try {
    response = await fetch(`${url}${route}`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new ControlError(
      `cannot reach the status server at ${url}: ${cause?.code ?? cause?.message ?? (error as Error).message}; is the runner still starting or stopping?`,
    );
  }

  const text = await response.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    parsed = { error: 'unreadable answer', detail: text.slice(0, 200) };
  }
  if (response.status === 401 || response.status === 403) {
    throw new ControlError(
      `the status server rejected the token from ${tokenFile} (${response.status} ${String(parsed.error)}): the file belongs to another runner or is out of date; pass --token-file or check status.tokenFile`,
    );
  }
  if (!response.ok) {
    const problems = Array.isArray(parsed.problems)
      ? `\n${parsed.problems.map((problem) => `  - ${String(problem)}`).join('\n')}`
      : '';
    throw new ControlError(
      `${String(parsed.error ?? `HTTP ${response.status}`)}: ${String(parsed.detail ?? '')}${problems}`,
    );
  }
  return parsed;
}
