import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/schema/app.js';
import { formatDuration } from '../config/units.js';
import type { CrashCategory } from '../crash/categories.js';
import {
  type AppState,
  BUDGET_CAUSES,
  type EventBus,
  type RestartCause,
  type RestartRequest,
} from '../events.js';
import { LogFile } from '../logging/log-file.js';
import { spawnChild } from './child.js';
import type { PreStartHook, SupervisorHandle } from './handle.js';
import { signalGroup, signalTree } from './kill.js';
import { OutputTail, pipeOutput } from './output.js';
import { decideRestart, describeExit, type RestartDecision } from './policy.js';
import { waitForFreePort } from './port.js';
import { hasProcFs, listProcesses, type ProcStat, readProcStat } from './proc.js';
import { type AppStats, StatsRecorder } from './stats.js';
import { escapedDescendants, terminateTree } from './terminate.js';

/** Facts the supervisor has at a crash. The runner adds health, camera and memory context. */
export interface CrashFacts {
  app: string;
  pid: number | undefined;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  uptimeMs: number;
  duringStart: boolean;
  cause: RestartCause;
  reason: string;
  category: RestartRequest['category'];
  attempt: number;
  /** Delay before the next start, or null when the app is now fatal or stopped. */
  nextDelayMs: number | null;
  fatal: boolean;
  command: string[];
  cwd: string;
  stateBefore: AppState;
  outputTail: string[];
  survivors: number[];
}

export interface SupervisorOptions {
  config: AppConfig;
  /** Directory that relative cwd and log paths resolve against. */
  baseDir: string;
  logDir: string;
  bus: EventBus;
  logger: Logger;
  /** Environment the app inherits before config.env is applied. */
  baseEnv: Record<string, string | undefined>;
  /** Called for every counted failure; must not throw or block. */
  onCrash?: (facts: CrashFacts) => CrashCategory | undefined;
  /** Console for echoing app output in the foreground, or undefined. */
  echo?: NodeJS.WritableStream;
  /** Built-in rotation of the output files. */
  rotation?: { maxBytes: number; maxFiles: number };
}

interface RunningChild {
  process: ChildProcess;
  pid: number;
  spawnedAt: number;
  spawnedAtWall: string;
  procStartTime: number | undefined;
  exited: Promise<void>;
  /** Resolves once stdout and stderr are closed, so the output written before the exit is read. */
  outputClosed: Promise<void>;
}

const TAIL_BYTES_PER_LINE = 512;
const ESCAPE_SCAN_INTERVAL_MS = 60_000;
/**
 * How long to wait after an exit for the output still in the pipes (the end
 * of a traceback). A descendant that outlives the clean-up keeps the pipes
 * open, so the wait is bounded.
 */
const OUTPUT_GRACE_MS = 500;

/**
 * One app's state machine: stopped → starting → running, with backoff after
 * failures, stopping on request and fatal when the restart budget is spent.
 * It is the only code that spawns or signals the app's processes.
 */
export class AppSupervisor implements SupervisorHandle {
  readonly name: string;
  private currentState: AppState = 'stopped';
  private stateReason = 'not started';
  private child: RunningChild | undefined;
  private startAbort: AbortController | undefined;
  private startTimer: NodeJS.Timeout | undefined;
  private backoffTimer: NodeJS.Timeout | undefined;
  private resetTimer: NodeJS.Timeout | undefined;
  private pendingRestart: RestartRequest | undefined;
  private stopWaiters: Array<() => void> = [];
  private attempts = 0;
  private consecutiveFailures = 0;
  private healthy = true;
  private healthySince = 0;
  private firstStart = true;
  private lastExitUnclean = false;
  private lastCrashCategory: CrashCategory | undefined;
  private escaped: ProcStat[] = [];
  private escapeTimer: NodeJS.Timeout | undefined;
  private backoffImmediate: NodeJS.Immediate | undefined;
  private killedAfterTimeout = false;
  private nextStartAt: string | undefined;
  private lastExit: AppStats['lastExit'];
  private handlingExit = false;
  private stopAfterExit = false;
  private readonly stats = new StatsRecorder();
  private readonly preStartHooks: PreStartHook[] = [];
  private readonly stdoutTail: OutputTail;
  private readonly stderrTail: OutputTail;
  private readonly stdoutFile: LogFile | undefined;
  private readonly stderrFile: LogFile | undefined;
  /** With a health check, readiness is the first passing check instead of surviving startSeconds. */
  readinessByHealth = false;

  constructor(private readonly options: SupervisorOptions) {
    const { config } = options;
    this.name = config.name;
    const tailBytes = Math.max(64 * 1024, config.logs.tailLines * TAIL_BYTES_PER_LINE);
    this.stdoutTail = new OutputTail(config.logs.tailLines === 0 ? 0 : tailBytes);
    this.stderrTail = new OutputTail(config.logs.tailLines === 0 ? 0 : tailBytes);
    this.stdoutFile = this.openOutputFile(config.logs.stdout, 'out');
    this.stderrFile = this.openOutputFile(config.logs.stderr, 'err');
  }

  get state(): AppState {
    return this.currentState;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get startedAt(): number | undefined {
    return this.child?.spawnedAt;
  }

  get config(): AppConfig {
    return this.options.config;
  }

  /**
   * Treat the first start as following an unclean exit: the previous runner
   * was killed while this app ran, so its files may be damaged.
   */
  markPreviousRunUnclean(): void {
    if (this.firstStart) this.lastExitUnclean = true;
  }

  addPreStartHook(hook: PreStartHook): void {
    this.preStartHooks.push(hook);
  }

  /** Start from stopped or fatal; a fatal app gets a fresh budget. */
  start(): void {
    if (this.currentState !== 'stopped' && this.currentState !== 'fatal') return;
    if (this.currentState === 'fatal') this.attempts = 0;
    void this.enterStarting('start requested');
  }

  /** Stop the app and resolve once its process tree is gone. */
  stop(reason = 'stop requested'): Promise<void> {
    const done = new Promise<void>((resolve) => this.stopWaiters.push(resolve));
    switch (this.currentState) {
      case 'stopped':
      case 'fatal':
        this.resolveStopWaiters();
        break;
      case 'backoff':
        this.clearTimers();
        this.setState('stopped', reason);
        this.resolveStopWaiters();
        break;
      case 'stopping':
        this.pendingRestart = undefined;
        break;
      case 'starting':
      case 'running':
        this.pendingRestart = undefined;
        // After an unexpected exit the group clean-up is still running; failure() ends it.
        if (this.handlingExit) this.stopAfterExit = true;
        else void this.enterStopping(reason);
        break;
    }
    return done;
  }

  requestRestart(request: RestartRequest): boolean {
    const reject = (why: string): boolean => {
      this.options.bus.emit('app:restart-requested', {
        app: this.name,
        request,
        accepted: false,
        why,
      });
      this.options.logger.info(
        { app: this.name, cause: request.cause, why },
        `restart request rejected: ${why}`,
      );
      return false;
    };
    // In development a saved fix should bring back an app that crashed until fatal.
    if (this.currentState === 'fatal' && request.cause === 'watch') {
      this.options.bus.emit('app:restart-requested', { app: this.name, request, accepted: true });
      this.stats.countRestart('watch');
      this.start();
      return true;
    }
    if (this.currentState === 'stopped' || this.currentState === 'fatal')
      return reject(`app is ${this.currentState}`);
    if (this.handlingExit) return reject('the app just exited and its restart is being decided');
    if (this.currentState === 'stopping') {
      return reject(this.pendingRestart ? 'a restart is already in progress' : 'app is stopping');
    }
    if (this.currentState === 'backoff') {
      if (BUDGET_CAUSES.has(request.cause)) return reject('a restart is already scheduled');
      this.clearTimers();
      this.stats.countRestart(request.cause);
      this.options.bus.emit('app:restart-requested', { app: this.name, request, accepted: true });
      void this.enterStarting(`${request.cause}: ${request.reason}`);
      return true;
    }
    this.options.bus.emit('app:restart-requested', { app: this.name, request, accepted: true });
    this.options.logger.info(
      { app: this.name, cause: request.cause, pid: this.pid },
      `restart requested: ${request.reason}`,
    );
    this.pendingRestart = request;
    void this.enterStopping(`restart (${request.cause}): ${request.reason}`);
    return true;
  }

  markReady(source: string): void {
    if (this.currentState !== 'starting' || this.child === undefined) return;
    this.enterRunning(source);
  }

  reportHealth(healthy: boolean): void {
    if (healthy && !this.healthy) {
      this.healthySince = performance.now();
      this.scheduleBudgetReset();
    }
    if (!healthy && this.resetTimer) {
      clearTimeout(this.resetTimer);
      this.resetTimer = undefined;
    }
    this.healthy = healthy;
  }

  signal(signal: NodeJS.Signals): boolean {
    if (
      this.child === undefined ||
      (this.currentState !== 'running' && this.currentState !== 'starting')
    )
      return false;
    void signalTree(this.child.pid, signal).catch((error: unknown) => {
      this.options.logger.warn(
        { app: this.name, pid: this.child?.pid, err: error },
        `sending ${signal} failed`,
      );
    });
    return true;
  }

  /** Last output lines of both streams, stderr last because tracebacks go there. */
  outputTail(): string[] {
    const count = this.options.config.logs.tailLines;
    const stdout = this.stdoutTail.lines(count);
    const stderr = this.stderrTail.lines(count);
    return [...stdout, ...stderr].slice(-count);
  }

  snapshot(): AppStats {
    const now = performance.now();
    const child = this.child;
    return {
      name: this.name,
      state: this.currentState,
      pid: child?.pid,
      procStartTime: child?.procStartTime,
      startedAt: child?.spawnedAtWall,
      uptimeMs: child ? Math.round(now - child.spawnedAt) : 0,
      totalUptimeMs: Math.round(this.stats.totalUptimeMs + (child ? now - child.spawnedAt : 0)),
      attempts: this.attempts,
      restarts: { ...this.stats.restarts },
      restartsTotal: this.stats.restartsTotal,
      crashes: this.stats.crashes,
      restartsLastHour: this.stats.restartsLastHour,
      lastExit: this.lastExit,
      nextStartAt: this.currentState === 'backoff' ? this.nextStartAt : undefined,
      reason: this.stateReason,
    };
  }

  reopenLogs(): void {
    this.stdoutFile?.reopen();
    this.stderrFile?.reopen();
  }

  async closeLogs(): Promise<void> {
    await Promise.all([this.stdoutFile?.close(), this.stderrFile?.close()]);
  }

  private async enterStarting(reason: string): Promise<void> {
    const { config, logger } = this.options;
    this.setState('starting', reason);
    const abort = new AbortController();
    this.startAbort = abort;

    const context = {
      app: this.name,
      uncleanExit: this.lastExitUnclean,
      killedAfterTimeout: this.killedAfterTimeout,
      firstStart: this.firstStart,
      crashCategory: this.lastCrashCategory,
    };
    for (const hook of this.preStartHooks) {
      try {
        await hook(context);
      } catch (error) {
        logger.error({ app: this.name, err: error }, 'pre-start check failed; starting anyway');
      }
      if (abort.signal.aborted) return;
    }

    if (config.port !== undefined) {
      const waited = await waitForFreePort(
        config.port,
        config.host,
        config.portWaitTimeout,
        abort.signal,
        (waitedMs) =>
          logger.info(
            { app: this.name, port: config.port, waitedMs: Math.round(waitedMs) },
            `waiting for port ${config.port} to be free`,
          ),
      );
      if (abort.signal.aborted) return;
      if (waited === false) {
        logger.warn(
          { app: this.name, port: config.port },
          `port ${config.port} still in use after ${formatDuration(config.portWaitTimeout)}; starting anyway`,
        );
      }
    }

    this.firstStart = false;
    this.lastExitUnclean = false;
    this.lastCrashCategory = undefined;
    this.killedAfterTimeout = false;
    this.spawn(abort);
  }

  private spawn(abort: AbortController): void {
    const { config, logger, bus } = this.options;
    const cwd = path.resolve(this.options.baseDir, config.cwd ?? '.');
    const env = { PYTHONUNBUFFERED: '1', ...this.options.baseEnv, ...config.env };
    let processHandle: ChildProcess;
    try {
      processHandle = spawnChild({ command: config.command, shell: config.shell, cwd, env });
    } catch (error) {
      this.onChildExit(undefined, null, null, `spawn failed: ${(error as Error).message}`);
      return;
    }

    let settle: () => void = () => {};
    const exited = new Promise<void>((resolve) => (settle = resolve));
    let finished = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null, error?: string): void => {
      if (finished) return;
      finished = true;
      settle();
      this.onChildExit(processHandle.pid, code, signal, error);
    };
    processHandle.once('error', (error) => finish(null, null, `cannot start: ${error.message}`));
    processHandle.once('exit', (code, signal) => finish(code, signal));

    const pid = processHandle.pid;
    if (pid === undefined) return; // 'error' follows and ends the start.

    // Each crash report shows the output of its own run only.
    this.stdoutTail.clear();
    this.stderrTail.clear();
    const echo = this.echoStream();
    const prefix = `[${this.name}] `;
    const record = (stream: 'stdout' | 'stderr') =>
      config.logs.json
        ? (line: string) => this.options.logger.info({ app: this.name, stream, pid }, line)
        : undefined;
    pipeOutput(processHandle.stdout!, {
      file: this.stdoutFile,
      tail: this.stdoutTail,
      echo,
      prefix,
      timestamps: config.logs.timestamps,
      onLine: record('stdout'),
    });
    pipeOutput(processHandle.stderr!, {
      file: this.stderrFile,
      tail: this.stderrTail,
      echo,
      prefix,
      timestamps: config.logs.timestamps,
      onLine: record('stderr'),
    });

    this.child = {
      process: processHandle,
      pid,
      spawnedAt: performance.now(),
      spawnedAtWall: new Date().toISOString(),
      procStartTime: undefined,
      exited,
      outputClosed: Promise.all([
        closed(processHandle.stdout!),
        closed(processHandle.stderr!),
      ]).then(() => {}),
    };
    void readProcStat(pid).then((stat) => {
      if (this.child?.pid === pid && stat) this.child.procStartTime = stat.startTime;
    });
    bus.emit('app:spawn', { app: this.name, pid, attempt: this.attempts, command: config.command });
    logger.info({ app: this.name, pid, attempt: this.attempts }, `started pid ${pid}`);

    const readyAfter = this.readinessByHealth ? config.startTimeout : config.startSeconds;
    this.startTimer = setTimeout(() => {
      this.startTimer = undefined;
      if (this.currentState !== 'starting' || abort.signal.aborted) return;
      if (!this.readinessByHealth) this.enterRunning('uptime');
      else
        this.requestRestart({
          cause: 'start-timeout',
          reason: `not ready within ${formatDuration(config.startTimeout)}`,
          category: 'startup',
        });
    }, readyAfter);
  }

  private enterRunning(source: string): void {
    const child = this.child!;
    if (this.startTimer) clearTimeout(this.startTimer);
    this.startTimer = undefined;
    const afterMs = Math.round(performance.now() - child.spawnedAt);
    this.setState('running', `ready (${source})`);
    this.options.bus.emit('app:ready', { app: this.name, pid: child.pid, afterMs, source });
    this.escaped = [];
    this.scheduleEscapeScan();
    this.healthy = true;
    this.healthySince = performance.now();
    this.scheduleBudgetReset();
  }

  private scheduleBudgetReset(): void {
    if (this.resetTimer) clearTimeout(this.resetTimer);
    this.resetTimer = undefined;
    if (this.attempts === 0 || this.currentState !== 'running') return;
    const resetAfter = this.options.config.restart.resetAfter;
    const remaining = Math.max(0, resetAfter - (performance.now() - this.healthySince));
    this.resetTimer = setTimeout(() => {
      this.resetTimer = undefined;
      if (this.currentState !== 'running' || !this.healthy) return;
      const healthyForMs = Math.round(performance.now() - this.healthySince);
      this.options.logger.info(
        { app: this.name, attempts: this.attempts, healthyForMs },
        'restart budget reset after a healthy period',
      );
      this.options.bus.emit('app:budget-reset', { app: this.name, healthyForMs });
      this.attempts = 0;
      // Recovered means up and healthy for resetAfter, not merely ready again inside a crash loop.
      if (this.consecutiveFailures > 0) {
        this.options.bus.emit('app:recovered', {
          app: this.name,
          afterCrashes: this.consecutiveFailures,
        });
        this.consecutiveFailures = 0;
      }
    }, remaining);
  }

  private async enterStopping(reason: string): Promise<void> {
    const { config, logger } = this.options;
    const stateBefore = this.currentState;
    this.setState('stopping', reason);
    if (this.startTimer) clearTimeout(this.startTimer);
    if (this.resetTimer) clearTimeout(this.resetTimer);
    this.startTimer = undefined;
    this.resetTimer = undefined;
    this.startAbort?.abort();

    const child = this.child;
    let survivors: number[] = [];
    if (child !== undefined) {
      const result = await terminateTree(
        child.pid,
        config.stopSignal,
        config.stopTimeout,
        child.exited,
        this.escaped,
      );
      this.escaped = [];
      survivors = result.survivors;
      await within(child.outputClosed, OUTPUT_GRACE_MS);
      this.releaseOutput(child);
      if (result.killedAfterTimeout) {
        this.killedAfterTimeout = true;
        this.lastExitUnclean = true;
        logger.warn(
          { app: this.name, pid: child.pid },
          `did not stop within ${formatDuration(config.stopTimeout)} of ${config.stopSignal}; sent SIGKILL to the process group`,
        );
      }
      if (survivors.length > 0) {
        this.options.bus.emit('app:stop-survivors', { app: this.name, pids: survivors });
        logger.error(
          { app: this.name, survivors },
          `processes survived SIGKILL: ${survivors.join(', ')}`,
        );
      }
    }
    this.afterStopped(stateBefore, survivors);
  }

  private afterStopped(stateBefore: AppState, survivors: number[]): void {
    const request = this.pendingRestart;
    this.pendingRestart = undefined;
    if (request === undefined) {
      this.setState('stopped', 'stopped on request');
      this.resolveStopWaiters();
      return;
    }
    if (!BUDGET_CAUSES.has(request.cause)) {
      this.stats.countRestart(request.cause);
      void this.enterStarting(`${request.cause}: ${request.reason}`);
      return;
    }
    const exit = this.lastExit;
    this.failure({
      cause: request.cause,
      reason: request.reason,
      category: request.category,
      exitCode: exit?.code ?? null,
      signal: (exit?.signal as NodeJS.Signals | null) ?? null,
      uptimeMs: exit?.uptimeMs ?? 0,
      duringStart: stateBefore === 'starting',
      stateBefore,
      survivors,
      pid: undefined,
    });
  }

  private onChildExit(
    pid: number | undefined,
    code: number | null,
    signal: NodeJS.Signals | null,
    error?: string,
  ): void {
    const child = this.child;
    const now = performance.now();
    const uptimeMs = child ? Math.round(now - child.spawnedAt) : 0;
    if (child) this.stats.totalUptimeMs += now - child.spawnedAt;
    this.child = undefined;
    this.lastExit = { code, signal, at: new Date().toISOString(), uptimeMs };
    const expected = this.currentState === 'stopping';
    const duringStart = this.currentState === 'starting';
    if (!(code === 0 && signal === null)) this.lastExitUnclean = true;
    this.options.bus.emit('app:exit', {
      app: this.name,
      pid: pid ?? -1,
      code,
      signal,
      uptimeMs,
      expected,
      duringStart,
    });
    const how = error ?? describeExit({ exitCode: code, signal });
    this.options.logger[expected ? 'info' : 'warn'](
      { app: this.name, pid, code, signal, uptimeMs },
      `exited: ${how} after ${formatDuration(uptimeMs)}`,
    );
    if (expected) return;

    if (this.startTimer) clearTimeout(this.startTimer);
    if (this.resetTimer) clearTimeout(this.resetTimer);
    this.startTimer = undefined;
    this.resetTimer = undefined;
    const stateBefore = this.currentState;
    this.handlingExit = true;
    const outputClosed = child?.outputClosed ?? Promise.resolve();
    void this.cleanUpGroup(pid).then(async (survivors) => {
      await within(outputClosed, OUTPUT_GRACE_MS);
      if (child !== undefined) this.releaseOutput(child);
      this.handlingExit = false;
      this.failure({
        cause: duringStart ? 'start-failure' : 'crash',
        reason: duringStart ? `exited before it was ready: ${how}` : how,
        category: undefined,
        exitCode: code,
        signal,
        uptimeMs,
        duringStart,
        stateBefore,
        survivors,
        pid,
      });
    });
  }

  /**
   * Close the app's stdout and stderr once the grace period after its exit
   * is over. A descendant that daemonized before any scan saw it can keep
   * them open indefinitely, so the runner would never exit and would leak a
   * pipe per restart. That descendant's further output is dropped.
   */
  private releaseOutput(child: RunningChild): void {
    const open = [child.process.stdout, child.process.stderr].filter(
      (stream) => stream !== null && !stream.destroyed && !stream.readableEnded,
    );
    if (open.length === 0) return;
    for (const stream of open) stream?.destroy();
    this.options.logger.warn(
      { app: this.name, pid: child.pid },
      'a process the app started still holds its output after the app exited; closed the pipes, so its further output is dropped',
    );
  }

  /** After an unexpected exit, stop what the app left running in its group (ffmpeg, workers). */
  private async cleanUpGroup(pid: number | undefined): Promise<number[]> {
    if (pid === undefined || process.platform === 'win32') return [];
    if (!signalGroup(pid, 0)) return [];
    this.options.logger.info(
      { app: this.name, pgid: pid },
      'stopping processes the app left in its process group',
    );
    const result = await terminateTree(
      pid,
      this.options.config.stopSignal,
      this.options.config.stopTimeout,
      Promise.resolve(),
      this.escaped,
    );
    this.escaped = [];
    return result.survivors;
  }

  /**
   * Remember descendants that left the app's process group (daemons started
   * with setsid). After a crash they are re-parented and cannot be found from
   * the dead app any more, so the clean-up uses this list. Scanned once the
   * app is ready and then every minute, because a scan reads all of /proc.
   */
  private scheduleEscapeScan(): void {
    if (!hasProcFs) return;
    if (this.escapeTimer) clearTimeout(this.escapeTimer);
    const scan = async (): Promise<void> => {
      const pid = this.child?.pid;
      if (pid === undefined) return;
      const found = escapedDescendants(pid, await listProcesses());
      if (this.child?.pid !== pid) return;
      for (const stat of found) {
        if (
          !this.escaped.some(
            (entry) => entry.pid === stat.pid && entry.startTime === stat.startTime,
          )
        )
          this.escaped.push(stat);
      }
      this.escapeTimer = setTimeout(() => void scan(), ESCAPE_SCAN_INTERVAL_MS);
      this.escapeTimer.unref();
    };
    void scan();
  }

  private failure(
    facts: Omit<
      CrashFacts,
      'app' | 'attempt' | 'nextDelayMs' | 'fatal' | 'command' | 'cwd' | 'outputTail'
    >,
  ): void {
    const { config, logger } = this.options;
    if (this.stopAfterExit) {
      this.stopAfterExit = false;
      this.setState('stopped', 'stopped on request after an exit');
      this.resolveStopWaiters();
      return;
    }
    const decision: RestartDecision = decideRestart(config.restart, {
      cause: facts.cause,
      exitCode: facts.exitCode,
      signal: facts.signal,
      attempts: this.attempts,
    });
    if (decision.action === 'stop') {
      // A clean exit that the policy does not restart is no crash: no report, no count.
      this.setState('stopped', decision.reason);
      this.resolveStopWaiters();
      return;
    }
    this.stats.crashes++;
    this.consecutiveFailures++;
    const attempt = decision.action === 'restart' ? decision.attempt : this.attempts;
    const nextDelayMs = decision.action === 'restart' ? decision.delayMs : null;

    this.lastCrashCategory = this.options.onCrash?.({
      ...facts,
      app: this.name,
      attempt,
      nextDelayMs,
      fatal: decision.action === 'fatal',
      command: config.command,
      cwd: path.resolve(this.options.baseDir, config.cwd ?? '.'),
      outputTail: this.outputTail(),
    });

    if (decision.action === 'restart') {
      this.attempts = decision.attempt;
      this.stats.countRestart(facts.cause);
      this.enterBackoff(decision.delayMs, facts.cause, facts.reason);
    } else {
      this.setState('fatal', decision.reason);
      logger.error({ app: this.name, attempts: this.attempts }, `fatal: ${decision.reason}`);
      this.options.bus.emit('app:fatal', {
        app: this.name,
        reason: decision.reason,
        restarts: this.stats.restartsTotal,
      });
      this.resolveStopWaiters();
    }
  }

  private enterBackoff(delayMs: number, cause: RestartCause, reason: string): void {
    this.nextStartAt = new Date(Date.now() + delayMs).toISOString();
    this.setState(
      'backoff',
      `restart ${this.attempts} in ${formatDuration(delayMs)} after ${cause}: ${reason}`,
    );
    this.options.bus.emit('app:restart-scheduled', {
      app: this.name,
      cause,
      reason,
      attempt: this.attempts,
      delayMs,
    });
    this.options.logger.info(
      {
        app: this.name,
        attempt: this.attempts,
        delayMs,
        cause,
        maxRestarts: this.options.config.restart.maxRestarts,
      },
      `restart ${this.attempts}/${this.options.config.restart.maxRestarts} in ${formatDuration(delayMs)}`,
    );
    const startAfterBackoff = (): void => {
      this.backoffTimer = undefined;
      this.backoffImmediate = undefined;
      if (this.currentState === 'backoff')
        void this.enterStarting(`backoff of ${formatDuration(delayMs)} over`);
    };
    // setTimeout(0) waits at least 1 ms; a zero delay starts on the next turn instead.
    if (delayMs === 0) this.backoffImmediate = setImmediate(startAfterBackoff);
    else this.backoffTimer = setTimeout(startAfterBackoff, delayMs);
  }

  private setState(to: AppState, reason: string): void {
    const from = this.currentState;
    this.currentState = to;
    this.stateReason = reason;
    if (from === to) return;
    this.options.bus.emit('app:state', { app: this.name, from, to, reason, pid: this.child?.pid });
    this.options.logger.info(
      { app: this.name, from, to, pid: this.child?.pid },
      `${from} -> ${to}: ${reason}`,
    );
  }

  private clearTimers(): void {
    for (const timer of [this.startTimer, this.backoffTimer, this.resetTimer])
      if (timer) clearTimeout(timer);
    this.startTimer = undefined;
    this.backoffTimer = undefined;
    this.resetTimer = undefined;
    if (this.backoffImmediate) clearImmediate(this.backoffImmediate);
    this.backoffImmediate = undefined;
  }

  private resolveStopWaiters(): void {
    const waiters = this.stopWaiters;
    this.stopWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private echoStream(): NodeJS.WritableStream | undefined {
    const mode = this.options.config.logs.console;
    if (mode === 'never' || this.options.echo === undefined) return undefined;
    if (mode === 'auto' && !(this.options.echo as { isTTY?: boolean }).isTTY) return undefined;
    return this.options.echo;
  }

  private openOutputFile(
    setting: string | false | undefined,
    kind: 'out' | 'err',
  ): LogFile | undefined {
    if (setting === false) return undefined;
    const file = path.resolve(this.options.logDir, setting ?? `${this.name}.${kind}.log`);
    return new LogFile(
      file,
      {
        onTrouble: (message, error) =>
          this.options.logger.warn({ app: this.name, file, err: error }, message),
      },
      this.options.rotation,
    );
  }
}

function closed(stream: NodeJS.ReadableStream): Promise<void> {
  return new Promise((resolve) => stream.once('close', () => resolve()));
}

/** Wait for a promise, but no longer than ms. */
async function within(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  await Promise.race([promise, timeout]);
  clearTimeout(timer);
}
