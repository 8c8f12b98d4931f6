/**
 * Runs the real systemd-analyze (Debian's systemd package) on unit files.
 * It works without systemd as PID 1. `verify` reports unknown keys, typos
 * and deprecated settings on stderr while still exiting 0, so callers treat
 * any stderr output as a failure.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface AnalyzeResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function systemdAnalyze(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<AnalyzeResult> {
  return new Promise((resolve, reject) => {
    execFile('systemd-analyze', args, { env, timeout: 20_000 }, (error, stdout, stderr) => {
      if (error !== null && typeof error.code !== 'number') {
        reject(
          new Error(
            `systemd-analyze ${args.join(' ')} could not run (${error.message}); install systemd with scripts/install-test-deps.sh`,
          ),
        );
        return;
      }
      resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
    });
  });
}

/**
 * Build the environment for a --user manager, which needs XDG_RUNTIME_DIR
 * even offline. An empty private directory of our own is enough.
 */
export async function userManagerEnv(dir: string): Promise<NodeJS.ProcessEnv> {
  const runtime = path.join(dir, 'xdg-runtime');
  await mkdir(runtime, { mode: 0o700, recursive: true });
  return { ...process.env, XDG_RUNTIME_DIR: runtime };
}

/** `verify FILE` on the host's unit tree; the ExecStart program must exist on this machine. */
export async function verifyUnitFile(
  file: string,
  userMode: boolean,
  workDir: string,
): Promise<AnalyzeResult> {
  if (!userMode) return systemdAnalyze(['verify', file]);
  return systemdAnalyze(['--user', 'verify', file], await userManagerEnv(workDir));
}

/**
 * `verify --root=DIR NAME` for a unit whose ExecStart names a path that
 * does not exist here (the shipped unit's /usr/bin/crashproof). The root
 * gets a copy of the host's system units (for the targets the unit pulls
 * in), the unit, and an executable stand-in at each program path: verify
 * only checks that the program is an executable file.
 */
export async function verifyInRoot(
  root: string,
  unitName: string,
  unitText: string,
  programs: string[],
): Promise<AnalyzeResult> {
  await cp('/usr/lib/systemd/system', path.join(root, 'usr/lib/systemd/system'), {
    recursive: true,
  });
  await mkdir(path.join(root, 'etc/systemd/system'), { recursive: true });
  await writeFile(path.join(root, 'etc/systemd/system', unitName), unitText);
  for (const program of programs) {
    const target = path.join(root, program);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  }
  return systemdAnalyze(['verify', `--root=${root}`, unitName]);
}

const EXPOSURE = /Overall exposure level for \S+: (\d+(?:\.\d+)?)/;

/** Run `security --offline=yes FILE` and parse its "Overall exposure level" number. */
export async function exposureLevel(file: string): Promise<number> {
  const result = await systemdAnalyze(['security', '--offline=yes', file]);
  const match = EXPOSURE.exec(result.stdout);
  if (match === null) {
    throw new Error(
      `no "Overall exposure level" line in systemd-analyze security output (exit ${result.code}): ${result.stderr || result.stdout.slice(-400)}`,
    );
  }
  return Number(match[1]);
}

/**
 * Read the exposure level docs/deployment.md promises for a variant from a table row
 * "| LABEL | N.N |". Reading it here keeps the document and the test in step.
 */
export function documentedExposure(markdown: string, label: string): number {
  const escaped = label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`^\\| ${escaped} \\| (\\d+\\.\\d) \\|`, 'm').exec(markdown);
  if (match === null)
    throw new Error(`docs/deployment.md has no exposure row "| ${label} | N.N |"`);
  return Number(match[1]);
}
