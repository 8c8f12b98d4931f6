/**
 * Static checks of the PowerShell scripts. pwsh is not packaged for
 * Debian 12, so the scripts do not run here: the checks confirm that they
 * take the original parameters, set only the runner's environment
 * variables and start nothing but npm, node and crashproof.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SEED_VARIABLES } from '../../src/config/env-vars.js';

const DIR = path.resolve(import.meta.dirname, '../../deploy/windows');
const PACKAGE = path.resolve(import.meta.dirname, '../../package.json');

/** Extract the text of the script's param( ... ) block. */
function paramBlock(script: string): string {
  const match = /^param\(\n([\s\S]*?)\n\)$/m.exec(script);
  if (match === null) throw new Error('no param( ... ) block at the start of a line');
  return match[1]!;
}

/** Parameter names (with their aliases) declared in a param block. */
function parameters(block: string): string[] {
  const names: string[] = [];
  for (const line of block.split('\n')) {
    if (/^\s*#/.test(line)) continue;
    for (const alias of line.matchAll(/\[Alias\('([^']+)'\)\]/g)) names.push(alias[1]!);
    const variable = /\$([A-Za-z]+)\s*,?\s*$/.exec(line);
    if (variable !== null) names.push(variable[1]!);
  }
  return names;
}

/** Code lines without comments, for checks that must not match prose. */
function code(script: string): string {
  return script
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n');
}

describe('deploy/windows/run.ps1', () => {
  it('takes the parameters of the original run script', async () => {
    const script = await readFile(path.join(DIR, 'run.ps1'), 'utf8');
    expect(parameters(paramBlock(script))).toEqual([
      'Host',
      'BindHost',
      'Port',
      'Debug',
      'MaxRestarts',
      'RestartDelay',
      'BackoffMultiplier',
      'HealthCheckInterval',
      'NotifyOnCrash',
      'Config',
    ]);
  });

  it('maps each parameter to a variable the runner reads', async () => {
    const script = await readFile(path.join(DIR, 'run.ps1'), 'utf8');
    const mapped = [...script.matchAll(/^\s+\w+\s+= '([A-Z_]+)'$/gm)].map((match) => match[1]);
    const expected = SEED_VARIABLES.filter((name) => name !== 'CRASHPROOF_APP_COMMAND');
    expect([...mapped].sort()).toEqual([...expected].sort());
  });

  it('sets only those variables and starts only crashproof', async () => {
    const lines = code(await readFile(path.join(DIR, 'run.ps1'), 'utf8'));
    expect(lines.match(/\$env:/gi) ?? []).toEqual([]);
    expect(lines.match(/Set-Item -Path "Env:/g)).toHaveLength(1);
    expect(lines).not.toMatch(
      /\b(python|pip|Start-Process|Invoke-WebRequest|Invoke-Expression|curl|wget)\b/i,
    );

    const invocations = [...lines.matchAll(/^\s*& (\S+)/gm)].map((match) => match[1]);
    expect(invocations).toEqual(['node', 'crashproof']);
    expect(lines).toContain("'dist\\cli\\main.js'");
    expect(lines).toContain("$Arguments = @('run')");
  });

  it('rejects environment parameters together with -Config, as a usage error', async () => {
    const lines = code(await readFile(path.join(DIR, 'run.ps1'), 'utf8'));
    expect(lines).toMatch(
      /^if \(\$Config -and \$Given\.Count -gt 0\) \{\n(?:\s+.*\n)*?\s+exit 2\n\}$/m,
    );
  });
});

describe('deploy/windows/install.ps1', () => {
  it('checks the Node version that package.json requires', async () => {
    const script = await readFile(path.join(DIR, 'install.ps1'), 'utf8');
    const engines = JSON.parse(await readFile(PACKAGE, 'utf8')).engines.node as string;
    const required = /^>=(\d+\.\d+)$/.exec(engines)?.[1];
    expect(required).toBeDefined();
    expect(script).toContain(`$MinimumNode = [version]'${required}.0'`);
    expect(script).toMatch(/if \(\$NodeVersion -lt \$MinimumNode\) \{[^}]*exit 1\s*\}/);
  });

  it('installs from the lockfile, builds and stops on the first failure', async () => {
    const lines = code(await readFile(path.join(DIR, 'install.ps1'), 'utf8'));
    const invocations = [...lines.matchAll(/^\s*& (.+)$/gm)].map((match) => match[1]);
    expect(invocations).toEqual(['npm ci --no-audit --no-fund', 'npm run build']);
    expect(lines.match(/if \(\$LASTEXITCODE -ne 0\) \{ exit \$LASTEXITCODE \}/g)).toHaveLength(2);
    expect(lines).not.toMatch(/\b(python|pip|Invoke-WebRequest|curl|wget)\b/i);
  });
});
