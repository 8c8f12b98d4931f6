/**
 * crashproof's watch path for the benchmark: an AppWatcher driving a
 * minimal respawn loop (stop the process group with SIGTERM, wait for the
 * exit, spawn again), because the runner's --watch wiring is not in place
 * yet. It is the same AppWatcher and backend the runner uses.
 *
 * Arguments: <tree> <debounce, e.g. 20ms> <command> [args...]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { pino } from 'pino';
import { watchSchema } from '../../src/config/schema/watch.js';
import { type AppState, EventBus, type RestartRequest } from '../../src/events.js';
import type { SupervisorHandle } from '../../src/supervisor/handle.js';
import { AppWatcher } from '../../src/watch/app-watcher.js';

class RespawnHandle implements SupervisorHandle {
  readonly name = 'bench';
  state: AppState = 'stopped';
  startedAt: number | undefined;
  private child: ChildProcess | undefined;

  constructor(private readonly command: string[]) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): void {
    const [program, ...args] = this.command;
    const child = spawn(program!, args, { stdio: 'inherit', detached: true });
    this.child = child;
    this.state = 'running';
    this.startedAt = performance.now();
    child.once('exit', () => {
      if (this.child !== child) return;
      this.child = undefined;
      // A restart spawns at once; an exit of its own is respawned too.
      this.start();
    });
  }

  requestRestart(_request: RestartRequest): boolean {
    if (this.state === 'stopping' || this.child?.pid === undefined) return false;
    this.state = 'stopping';
    process.kill(-this.child.pid, 'SIGTERM');
    return true;
  }

  markReady(): void {}

  reportHealth(): void {}

  signal(signal: NodeJS.Signals): boolean {
    if (this.child?.pid === undefined) return false;
    process.kill(-this.child.pid, signal);
    return true;
  }

  stop(): void {
    const child = this.child;
    this.child = undefined;
    if (child?.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
  }
}

async function main(): Promise<void> {
  const [tree, debounce, ...command] = process.argv.slice(2);
  if (!tree || !debounce || command.length === 0) {
    throw new Error('usage: harness <tree> <debounce> <command> [args...]');
  }

  const handle = new RespawnHandle(command);
  const watcher = new AppWatcher({
    app: 'bench',
    config: watchSchema.parse({ paths: ['.'], debounce }),
    baseDir: tree,
    handle,
    logger: pino({ level: 'warn' }),
    bus: new EventBus(),
  });
  handle.start();
  await watcher.start();

  const shutdown = () => {
    void watcher.stop().then(() => {
      handle.stop();
      process.exit(0);
    });
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
