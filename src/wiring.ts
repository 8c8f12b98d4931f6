import type { Classification, CrashContext } from './crash/report.js';
import type { Runner } from './runner.js';
import type { CrashFacts } from './supervisor/app-supervisor.js';

/**
 * Attach the per-app monitors and guards a config asks for (health checks,
 * camera probes, memory guard, SQLite guard, file watching) and the
 * runner-wide observers (notifications, status server).
 */
export async function wireRunner(runner: Runner): Promise<void> {
  void runner;
}

/** Exit status facts only; the rule table in classify.ts refines this. */
export function classifyByExit(facts: CrashFacts, _context: CrashContext): Classification {
  if (facts.category !== undefined)
    return { category: facts.category, hint: facts.reason, ruleId: `cause:${facts.cause}` };
  if (
    facts.signal === 'SIGSEGV' ||
    facts.signal === 'SIGABRT' ||
    facts.signal === 'SIGBUS' ||
    facts.signal === 'SIGILL'
  ) {
    return {
      category: 'native-crash',
      hint: 'the app crashed in native code',
      ruleId: 'signal:native',
    };
  }
  if (facts.signal === 'SIGKILL' || facts.signal === 'SIGTERM')
    return {
      category: 'killed',
      hint: 'something outside the runner ended the app',
      ruleId: 'signal:killed',
    };
  if (facts.duringStart)
    return {
      category: 'startup',
      hint: 'the app exited before it was ready; check its output',
      ruleId: 'startup',
    };
  if (facts.exitCode === 0)
    return { category: 'clean-exit', hint: 'the app exited with code 0', ruleId: 'exit:0' };
  return { category: 'unknown', hint: 'see the output tail', ruleId: 'unknown' };
}
