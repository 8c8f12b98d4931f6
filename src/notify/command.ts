import { type ChildProcess, spawn } from 'node:child_process';
import { basename } from 'node:path';
import type { CommandHookConfig } from '../config/schema/notify.js';
import { redactText } from '../crash/redact.js';
import { type Channel, DeliveryError } from './channel.js';
import type { NotifyMessage } from './message.js';

// Time between SIGTERM and SIGKILL for a hook that overran its timeout.
const KILL_GRACE_MS = 1000;

// Enough of a failed hook's stderr to show why it failed.
const STDERR_MAX_CHARS = 500;

/** The variables a hook receives, besides the runner's own environment. */
export function hookEnvironment(message: NotifyMessage): Record<string, string> {
  return {
    CRASHPROOF_EVENT: message.kind,
    CRASHPROOF_APP: message.app ?? '',
    CRASHPROOF_CAMERA: message.camera ?? '',
    CRASHPROOF_CATEGORY: message.category ?? '',
    CRASHPROOF_REPORT: message.reportPath ?? '',
    CRASHPROOF_SEVERITY: message.severity,
    CRASHPROOF_TIME: message.time,
    CRASHPROOF_MESSAGE: `${message.title}\n${message.text}`,
  };
}

/**
 * A command hook: the program runs once per message, without a shell, in
 * its own process group, so that a timeout ends the hook and everything it
 * started. Hooks are not retried, since a command need not be idempotent.
 */
export function createCommandChannel(config: CommandHookConfig, index: number): Channel {
  const [program, ...args] = config.command as [string, ...string[]];
  // Only the program's name: arguments may carry tokens.
  const label = `command ${index + 1} (${basename(program)})`;

  return {
    label,
    retries: 0,
    retryDelayMs: 0,
    send: (message, signal) => runHook(program, args, config.timeout, message, signal),
  };
}

function runHook(
  program: string,
  args: string[],
  timeoutMs: number,
  message: NotifyMessage,
  signal: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, {
      env: { ...process.env, ...hookEnvironment(message) },
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true,
    });

    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_MAX_CHARS);
    });

    let stopping: string | undefined;
    let graceTimer: NodeJS.Timeout | undefined;
    const stop = (why: string) => {
      if (stopping !== undefined) return;
      stopping = why;
      killGroup(child, 'SIGTERM');
      graceTimer = setTimeout(() => killGroup(child, 'SIGKILL'), KILL_GRACE_MS);
    };
    const timer = setTimeout(() => stop(`timed out after ${timeoutMs} ms`), timeoutMs);
    const onAbort = () => stop('aborted at shutdown');
    signal.addEventListener('abort', onAbort, { once: true });

    const finish = (error: DeliveryError | undefined) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      // A background process may keep stderr open; the hook's own exit is what counts.
      child.stderr.destroy();
      if (error) reject(error);
      else resolve();
    };

    child.on('error', (error: NodeJS.ErrnoException) => {
      if (graceTimer) clearTimeout(graceTimer);
      const reason = error.code === 'ENOENT' ? `program not found: ${program}` : error.message;
      finish(new DeliveryError(redactText(reason), false));
    });

    child.on('exit', (code, exitSignal) => {
      if (stopping !== undefined) {
        // Whatever is left of the group gets SIGKILL now, not after the grace period.
        if (graceTimer) clearTimeout(graceTimer);
        killGroup(child, 'SIGKILL');
        finish(new DeliveryError(stopping, false));
        return;
      }
      if (code === 0) {
        finish(undefined);
        return;
      }

      const status = exitSignal === null ? `exit code ${code}` : `signal ${exitSignal}`;
      const tail = redactText(stderr.trim());
      finish(new DeliveryError(tail === '' ? status : `${status}: ${tail}`, false));
    });
  });
}

/** Signal the hook's process group, which it leads because it was spawned detached. */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;

  // NOTE: Windows has no process groups, so there only the hook itself is ended.
  if (process.platform === 'win32') {
    child.kill(signal);
    return;
  }
  try {
    process.kill(-child.pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}
