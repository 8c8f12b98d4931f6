/** Command-line plumbing shared by the benchmark scripts. */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { stopAllRunners } from './runners.mjs';

/** True when the module at moduleUrl is the script node was started with. */
export function isMain(moduleUrl) {
  const script = process.argv[1];
  return script !== undefined && pathToFileURL(realpathSync(script)).href === moduleUrl;
}

/** Stop every runner the bench started when it is interrupted, then exit 130. */
export function stopRunnersOnInterrupt() {
  const onSignal = () => {
    process.stderr.write('interrupted: stopping the runners\n');
    void stopAllRunners().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}

/** Parse the options every benchmark takes plus its own; `--runners a,b` picks runners. */
export function parseBenchArgs(own, defaults) {
  const { values } = parseArgs({
    options: {
      runners: { type: 'string' },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
      ...Object.fromEntries(Object.keys(own).map((name) => [name, { type: 'string' }])),
    },
  });
  if (values.help) {
    const lines = Object.entries(own).map(([name, help]) => `  --${name} N  ${help}`);
    process.stdout.write(
      `${[
        ...lines,
        `  --runners LIST  comma-separated subset of: ${defaults.runners.join(', ')}`,
        '  --keep  keep the temporary directories (logs, records) for inspection',
      ].join('\n')}\n`,
    );
    process.exit(0);
  }

  const options = { ...defaults, keep: values.keep };
  for (const name of Object.keys(own)) {
    if (values[name] === undefined) continue;
    const number = Number(values[name]);
    if (!Number.isFinite(number) || number <= 0)
      throw new Error(`--${name} must be a positive number, got "${values[name]}"`);
    options[name] = number;
  }
  if (values.runners !== undefined) {
    const picked = values.runners.split(',').filter(Boolean);
    const unknown = picked.filter((kind) => !defaults.runners.includes(kind));
    if (unknown.length > 0)
      throw new Error(
        `unknown runner(s) ${unknown.join(', ')}; use ${defaults.runners.join(', ')}`,
      );
    options.runners = picked;
  }
  return options;
}
