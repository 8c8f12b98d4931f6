import { formatBytes } from '../config/units.js';
import type { CameraStatus, RestartCause } from '../events.js';
import type { CrashCategory } from './categories.js';
import { isMostlyBinary, printable, truncateText } from './printable.js';
import { redactText } from './redact.js';
import {
  CATEGORY_HINTS,
  HEALTH_FAILURE_RULES,
  NATIVE_CAUSES,
  NATIVE_SIGNALS,
  OOM_KILL_RSS_FRACTION,
  OUTPUT_RULES,
  signalFromExitCode,
  WINDOWS_CRASH_CODES,
} from './rules.js';

/** Facts about how a run of the app ended. */
export interface CrashFacts {
  exitCode: number | null;
  signal: string | null;
  uptimeMs: number;
  /** The process ended before it became ready. */
  duringStart: boolean;
  /** The last output lines, stdout and stderr interleaved, oldest first. */
  outputTail: string[];
  /** Set when the runner itself stopped the process, and why. */
  stopCause?: RestartCause;
  /** The category named by the monitor or guard that requested the stop (RestartRequest.category). */
  requestedCategory?: CrashCategory;
  /** The failed health checks that led to a 'health' stop timed out instead of returning a response. */
  healthTimedOut?: boolean;
  /** The error of the last failed health check ("body larger than 64 KiB", "HTTP 500"). */
  healthError?: string;
  memory?: { rssBytes: number; limitBytes?: number };
  cameras?: Array<{ name: string; status: CameraStatus }>;
}

export interface Classification {
  category: CrashCategory;
  hint: string;
  /** The matched output line (redacted, printable), or the fact that decided, at most 500 characters. */
  evidence?: string;
  /** The rule that decided: an OUTPUT_RULES id, "user:N" for crashRules[N], or a fact rule. */
  ruleId: string;
}

/** A crash rule from the config file, before compilation. */
export interface UserCrashRule {
  pattern: string;
  category: CrashCategory;
  hint: string;
}

interface CompiledUserRule {
  id: string;
  category: CrashCategory;
  pattern: RegExp;
  hint: string;
}

const EVIDENCE_MAX_CHARS = 500;

const HEALTH_FAILED_HINT =
  'Health checks failed with an answer (not a timeout): read health.lastCheck and the output tail in the crash report.';

// The start of a Python traceback, also after a logging prefix ("ERROR:    Traceback ...").
const PYTHON_TRACEBACK = /Traceback \(most recent call last\):\s*$/;

// Lines that join chained Python exceptions into one traceback.
const PYTHON_CHAIN =
  /^(?:During handling of the above exception, another exception occurred:|The above exception was the direct cause of the following exception:)$/;

// "ValueError: ...", "sqlite3.DatabaseError: ...", "TypeError: ...", "KeyboardInterrupt".
const EXCEPTION_LINE = /^(?:[A-Za-z_][\w]*\.)*[A-Z]\w*(?:Error|Exception|Exit|Interrupt|Fault)\b/;

// Node prints its version after an uncaught exception, and "file:line" first.
const NODE_FOOTER = /^Node\.js v\d+\.\d+\.\d+$/;
const NODE_HEADER =
  /^(?:node:[\w/]+|file:\/\/\S+|\/\S+|[A-Za-z]:\\\S+|\S+\.(?:js|mjs|cjs|ts)):\d+$/;

// Patterns run on at most this much of a line, so a huge line costs little.
const LINE_MATCH_MAX_CHARS = 10_000;

// Stops that the runner makes on purpose: nothing failed.
const REQUESTED_STOPS: ReadonlySet<RestartCause> = new Set([
  'watch',
  'manual',
  'schedule',
  'reload',
]);

// Causes that are not stops by the runner: the process ended by itself.
const SELF_EXIT_CAUSES: ReadonlySet<RestartCause> = new Set(['crash', 'start-failure']);

// The category that a camera's failed status suggests for a crash that the output does not explain.
const CAMERA_STATUS_CATEGORIES: Partial<Record<CameraStatus, CrashCategory>> = {
  'auth-failed': 'camera-auth',
  'auth-required': 'camera-auth',
  offline: 'network',
  unplugged: 'usb-device',
  'permission-denied': 'usb-device',
  'not-a-camera': 'camera-firmware',
};

/**
 * Compile crash rules from the config. Patterns are JavaScript regular
 * expressions matched case-insensitively against single output lines. Call
 * this when the config is loaded, so that an invalid pattern rejects the
 * config instead of being skipped at the first crash.
 */
export function compileUserRules(rules: ReadonlyArray<UserCrashRule>): {
  rules: CompiledUserRule[];
  errors: string[];
} {
  const compiled: CompiledUserRule[] = [];
  const errors: string[] = [];

  rules.forEach((rule, index) => {
    try {
      compiled.push({
        id: `user:${index}`,
        category: rule.category,
        pattern: new RegExp(rule.pattern, 'i'),
        hint: rule.hint,
      });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      errors.push(
        `crashRules[${index}]: invalid pattern ${JSON.stringify(rule.pattern)} (${reason}); ` +
          'write a JavaScript regular expression and escape ( ) [ ] { } . * + ? with a backslash to match them literally',
      );
    }
  });

  return { rules: compiled, errors };
}

// Each rule list is compiled once; the config keeps the same array for the runner's life.
const compiledCache = new WeakMap<ReadonlyArray<UserCrashRule>, CompiledUserRule[]>();

function compiledRulesFor(rules: ReadonlyArray<UserCrashRule>): CompiledUserRule[] {
  let compiled = compiledCache.get(rules);
  if (!compiled) {
    // Invalid patterns were rejected with the config; here they are skipped.
    compiled = compileUserRules(rules).rules;
    compiledCache.set(rules, compiled);
  }
  return compiled;
}

/**
 * Decide why a run of the app ended. The first step that applies decides:
 *
 * 1. user rules (crashRules), the latest matching line first;
 * 2. a stop by the runner with a known reason: a requested stop (watch,
 *    manual, schedule, reload) is clean-exit, then the category that the
 *    requesting monitor named (other than startup and unknown), then
 *    'memory' is memory, 'database' is database, 'health' with
 *    timed-out checks is hang, and 'health' with checks that failed
 *    otherwise is unknown with the health error as evidence (the app
 *    was alive, so older output lines do not explain the stop);
 * 3. SIGKILL with RSS at or above 90 % of the memory limit is memory;
 * 4. a kill signal (SIGKILL, SIGTERM, SIGINT, ...) that the runner did not
 *    send is killed, because the output then says nothing about it;
 * 5. the built-in output rules, the latest matching line first and only
 *    within the final Python traceback or Node crash block when there is
 *    one, because the final exception is the cause; after SIGSEGV, SIGABRT
 *    and the like only rules of categories that can cause them count;
 * 6. a crash signal, or an exit code that stands for one, is native-crash;
 * 7. exit code 0 after the app was ready is clean-exit;
 * 8. a camera in a failed state names the category (auth-failed is
 *    camera-auth, offline is network, unplugged is usb-device, ...);
 * 9. a start timeout or any other exit before ready is startup;
 * 10. everything else is unknown, with the last exception line (or the
 *     last output line) as evidence.
 *
 * Lines that are mostly binary data are never evidence.
 */
export function classifyCrash(
  facts: CrashFacts,
  extraRules?: ReadonlyArray<UserCrashRule>,
): Classification {
  const lines = facts.outputTail;

  if (extraRules && extraRules.length > 0) {
    const match = matchLines(lines, 0, compiledRulesFor(extraRules), () => true);
    if (match) return match;
  }

  const runnerStop =
    facts.stopCause !== undefined && !SELF_EXIT_CAUSES.has(facts.stopCause)
      ? facts.stopCause
      : undefined;
  const stopped = runnerStop === undefined ? undefined : classifyRunnerStop(runnerStop, facts);
  if (stopped) return stopped;

  const signal =
    facts.signal ?? (facts.exitCode === null ? undefined : signalFromExitCode(facts.exitCode));
  const signalEvidence = describeSignal(facts, signal);

  const oomKill = classifyOomKill(facts, signal);
  if (oomKill) return oomKill;

  if (signal !== undefined && !NATIVE_SIGNALS.has(signal) && runnerStop === undefined) {
    return fact('killed', signalRuleId(facts, 'external'), signalEvidence);
  }

  const nativeSignal = signal !== undefined && NATIVE_SIGNALS.has(signal);
  const outputMatch = matchLines(lines, findCrashBlockStart(lines), OUTPUT_RULES, (category) =>
    nativeSignal ? NATIVE_CAUSES.has(category) : true,
  );
  if (outputMatch) return outputMatch;

  if (nativeSignal) return fact('native-crash', signalRuleId(facts, 'native'), signalEvidence);

  const windowsCrash =
    facts.exitCode === null ? undefined : WINDOWS_CRASH_CODES.get(facts.exitCode >>> 0);
  if (windowsCrash) {
    return fact(
      windowsCrash.category,
      'exit-code:windows',
      `exit code 0x${(facts.exitCode! >>> 0).toString(16)} (${windowsCrash.name})`,
    );
  }

  const cleanExit = facts.exitCode === 0 && facts.signal === null;
  if (cleanExit && !facts.duringStart && runnerStop === undefined) {
    return fact('clean-exit', 'exit:clean', 'exit code 0');
  }

  if (!cleanExit || runnerStop !== undefined) {
    const camera = classifyCameras(facts);
    if (camera) return camera;
  }

  if (runnerStop === 'start-timeout') {
    return {
      category: 'startup',
      hint: 'The app neither exited nor became ready in time: raise startTimeout if it starts slowly, or find what it waits for.',
      evidence: 'stopped by the runner: start timeout',
      ruleId: 'stop:start-timeout',
    };
  }
  if (facts.duringStart) {
    return fact(
      'startup',
      'exit:before-ready',
      `${signalEvidence ?? 'exited'} before it was ready`,
    );
  }

  const lastLine =
    findExceptionLine(lines) ??
    [...lines].reverse().find((line) => line.trim() !== '' && !isMostlyBinary(line));
  return fact(
    'unknown',
    'unknown',
    lastLine === undefined ? signalEvidence : trimEvidence(lastLine),
  );
}

/** The last line that names an exception ("ValueError: ...", "TypeError: ..."), within the final crash block. */
function findExceptionLine(lines: readonly string[]): string | undefined {
  const start = findCrashBlockStart(lines);
  for (let index = lines.length - 1; index >= start; index--) {
    if (EXCEPTION_LINE.test(lines[index]!)) return lines[index];
  }
  return undefined;
}

function classifyRunnerStop(cause: RestartCause, facts: CrashFacts): Classification | undefined {
  if (REQUESTED_STOPS.has(cause)) {
    return {
      category: 'clean-exit',
      hint: `The runner stopped the app on request (${cause}); nothing failed.`,
      evidence: `stopped by the runner: ${cause}`,
      ruleId: 'stop:requested',
    };
  }
  const requested = facts.requestedCategory;
  if (requested !== undefined && requested !== 'startup' && requested !== 'unknown') {
    return fact(requested, `stop:${cause}`, `stopped by the runner: ${cause}`);
  }
  if (cause === 'memory') {
    return fact(
      'memory',
      'stop:memory',
      `stopped by the runner: memory limit${describeMemory(facts)}`,
    );
  }
  if (cause === 'database') {
    return fact('database', 'stop:database', 'stopped by the runner: database check failed');
  }
  if (cause === 'health' && facts.healthTimedOut === true) {
    return fact('hang', 'stop:health-timeout', 'stopped by the runner: health checks timed out');
  }
  if (cause === 'health') return classifyHealthFailure(facts.healthError);
  return undefined;
}

/** Classify a stop after health checks that failed without timing out, from the last check's error. */
function classifyHealthFailure(error: string | undefined): Classification {
  const text = error?.trim();
  if (text === undefined || text === '') {
    return {
      category: 'unknown',
      hint: HEALTH_FAILED_HINT,
      evidence: 'stopped by the runner: health checks failed',
      ruleId: 'stop:health-failed',
    };
  }
  const evidence = trimEvidence(`health check failed: ${text}`);
  const rule = HEALTH_FAILURE_RULES.find((candidate) => candidate.pattern.test(text));
  return rule === undefined
    ? { category: 'unknown', hint: HEALTH_FAILED_HINT, evidence, ruleId: 'stop:health-failed' }
    : { category: rule.category, hint: rule.hint, evidence, ruleId: rule.id };
}

function classifyOomKill(
  facts: CrashFacts,
  signal: string | undefined,
): Classification | undefined {
  const limit = facts.memory?.limitBytes;
  if (signal !== 'SIGKILL' || !facts.memory || limit === undefined || limit <= 0) return undefined;
  if (facts.memory.rssBytes < limit * OOM_KILL_RSS_FRACTION) return undefined;

  return {
    category: 'memory',
    hint: 'The app was killed near its memory limit (likely the kernel or cgroup OOM killer): look for a leak or raise the limit.',
    evidence: `SIGKILL${describeMemory(facts)}`,
    ruleId: 'memory:near-limit',
  };
}

function classifyCameras(facts: CrashFacts): Classification | undefined {
  for (const camera of facts.cameras ?? []) {
    const category = CAMERA_STATUS_CATEGORIES[camera.status];
    if (category) {
      return fact(
        category,
        `camera:${camera.status}`,
        redactText(`camera ${camera.name}: ${camera.status}`),
      );
    }
  }
  return undefined;
}

/** Scan lines from the last back to `start`; within a line, the first allowed rule wins. */
function matchLines(
  lines: readonly string[],
  start: number,
  rules: ReadonlyArray<{ id: string; category: CrashCategory; pattern: RegExp; hint: string }>,
  allowed: (category: CrashCategory) => boolean,
): Classification | undefined {
  for (let index = lines.length - 1; index >= start; index--) {
    const line = lines[index]!.slice(0, LINE_MATCH_MAX_CHARS);
    if (isMostlyBinary(line)) continue;
    for (const rule of rules) {
      // Reset lastIndex in case a caller passed a global or sticky pattern.
      rule.pattern.lastIndex = 0;
      if (allowed(rule.category) && rule.pattern.test(line)) {
        return {
          category: rule.category,
          hint: rule.hint,
          evidence: trimEvidence(line),
          ruleId: rule.id,
        };
      }
    }
  }
  return undefined;
}

function fact(
  category: CrashCategory,
  ruleId: string,
  evidence: string | undefined,
): Classification {
  const classification: Classification = { category, hint: CATEGORY_HINTS[category], ruleId };
  if (evidence !== undefined) classification.evidence = evidence;
  return classification;
}

function trimEvidence(line: string): string {
  return truncateText(redactText(printable(line.trim())), EVIDENCE_MAX_CHARS);
}

/** "signal:native" for a signal the process died of, "exit-code:native" for an exit code that stands for one. */
function signalRuleId(facts: CrashFacts, kind: 'native' | 'external'): string {
  return facts.signal !== null ? `signal:${kind}` : `exit-code:${kind}`;
}

function describeSignal(facts: CrashFacts, signal: string | undefined): string | undefined {
  if (facts.signal !== null) return `signal ${facts.signal}`;
  if (signal !== undefined) return `exit code ${facts.exitCode} (${signal})`;
  return facts.exitCode === null ? undefined : `exit code ${facts.exitCode}`;
}

function describeMemory(facts: CrashFacts): string {
  if (!facts.memory) return '';
  const limit = facts.memory.limitBytes;
  const rss = formatBytes(facts.memory.rssBytes);
  return limit === undefined ? ` (RSS ${rss})` : ` (RSS ${rss} of a ${formatBytes(limit)} limit)`;
}

/**
 * Find where the final crash output begins: the last Python traceback
 * (with the exceptions chained to it), or the
 * last Node uncaught-exception block. Returns 0 when there is neither, so
 * the whole tail is scanned.
 */
export function findCrashBlockStart(lines: readonly string[]): number {
  let sawNodeFooter = false;

  for (let index = lines.length - 1; index >= 0; index--) {
    const line = lines[index]!.trim();

    if (NODE_FOOTER.test(line)) {
      sawNodeFooter = true;
      continue;
    }
    if (sawNodeFooter && NODE_HEADER.test(line)) return index;

    if (PYTHON_TRACEBACK.test(line)) {
      const previous = previousNonEmpty(lines, index);
      if (previous !== undefined && PYTHON_CHAIN.test(lines[previous]!.trim())) {
        // Go on into the exception this one was raised while handling.
        index = previous;
        continue;
      }
      return index;
    }
  }
  return 0;
}

function previousNonEmpty(lines: readonly string[], index: number): number | undefined {
  for (let previous = index - 1; previous >= 0; previous--) {
    if (lines[previous]!.trim() !== '') return previous;
  }
  return undefined;
}
