import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type Config, configSchema } from '../../src/config/schema/index.js';
import { renderSystemdUnit, type SystemdUnitOptions } from '../../src/deploy/systemd.js';
import { systemdOptionsFromConfig } from '../../src/deploy/systemd-options.js';
import { quoteExecArg, UnitOptionError } from '../../src/deploy/systemd-syntax.js';
import {
  documentedExposure,
  exposureLevel,
  verifyInRoot,
  verifyUnitFile,
} from './systemd-analyze.js';

const REPO = path.resolve(import.meta.dirname, '../..');
const SHIPPED_UNIT = path.join(REPO, 'deploy/tapo-camera-mcp-watchfiles.service');
const SHIPPED_CONFIG = path.join(REPO, 'deploy/tapo-camera-mcp.yaml');
const DOCS = path.join(REPO, 'docs/deployment.md');

/** The options that produce the shipped unit for the Tapo app. */
const TAPO_UNIT: SystemdUnitOptions = {
  description: 'Tapo Camera MCP WebApp under crashproof',
  execStart: ['/usr/bin/crashproof', 'run', '--config', '/etc/tapo-camera-mcp/crashproof.yaml'],
  user: 'tapo-camera-mcp',
  userMode: false,
  stopTimeoutSec: 10,
  memoryMax: '2G',
  cpuQuota: '200%',
  logsDirectory: 'tapo-camera-mcp',
  stateDirectory: 'tapo-camera-mcp',
  usbWebcams: true,
  readWritePaths: ['-/opt/tapo-camera-mcp/data', '-/opt/tapo-camera-mcp/logs'],
};

/** Settings in a unit as name → values, ignoring comments. */
function settings(unit: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const line of unit.split('\n')) {
    const match = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (match === null) continue;
    map.set(match[1]!, [...(map.get(match[1]!) ?? []), match[2]!]);
  }
  return map;
}

let work: string;
let program: string;
let docs: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'crashproof-systemd-'));
  // verify insists that the ExecStart program exists and is executable:
  // a symlink to this node binary replaces the crashproof bin.
  program = path.join(work, 'crashproof');
  await symlink(process.execPath, program);
  docs = await readFile(DOCS, 'utf8');
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('the shipped unit', () => {
  it('is exactly what the generator renders for the Tapo app', async () => {
    expect(await readFile(SHIPPED_UNIT, 'utf8')).toBe(renderSystemdUnit(TAPO_UNIT));
  });

  it('has the required restart, stop, resource and device settings', async () => {
    const unit = settings(await readFile(SHIPPED_UNIT, 'utf8'));
    expect(unit.get('Type')).toEqual(['exec']);
    expect(unit.get('Restart')).toEqual(['on-failure']);
    expect(unit.get('RestartPreventExitStatus')).toEqual(['78']);
    expect(unit.get('OOMPolicy')).toEqual(['continue']);
    expect(unit.get('KillMode')).toEqual(['mixed']);
    expect(unit.get('MemoryMax')).toEqual(['2G']);
    expect(unit.get('CPUQuota')).toEqual(['200%']);
    expect(unit.get('After')).toEqual(['network-online.target']);
    expect(unit.get('Wants')).toEqual(['network-online.target']);
    expect(unit.get('DeviceAllow')).toEqual(['char-video4linux rw']);
    expect(unit.get('DevicePolicy')).toEqual(['closed']);
    expect(unit.get('SupplementaryGroups')).toEqual(['video']);
    expect(unit.get('ProtectHome')).toEqual(['read-only']);
    expect(unit.get('MemoryDenyWriteExecute')).toEqual(['no']);
    expect(unit.get('CapabilityBoundingSet')).toEqual(['']);
    expect(unit.has('ProcSubset')).toBe(false);
    expect(unit.has('WatchdogSec')).toBe(false);
    expect(unit.has('Environment')).toBe(false);
  });

  it('passes systemd-analyze verify with nothing on stderr', async () => {
    const root = await mkdtemp(path.join(work, 'root-'));
    const text = await readFile(SHIPPED_UNIT, 'utf8');
    const result = await verifyInRoot(root, 'tapo-camera-mcp-watchfiles.service', text, [
      '/usr/bin/crashproof',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('has the exposure level docs/deployment.md states', async () => {
    const level = await exposureLevel(SHIPPED_UNIT);
    expect(level).toBeLessThanOrEqual(documentedExposure(docs, 'system, USB webcams'));
  });

  it('matches the config it points at', async () => {
    const unit = settings(await readFile(SHIPPED_UNIT, 'utf8'));
    const config = configSchema.parse(parse(await readFile(SHIPPED_CONFIG, 'utf8')));
    const app = config.apps[0]!;

    expect(config.logging.dir).toBe(`/var/log/${unit.get('LogsDirectory')![0]}`);
    expect(app.memory?.maxMemory).toBeLessThan(2 * 2 ** 30);
    const stopSec = Number(unit.get('TimeoutStopSec')![0]!.replace(/s$/, ''));
    expect(stopSec).toBeGreaterThan(app.stopTimeout / 1000);
    expect(config.status.host).toBe('127.0.0.1');
  });
});

const VARIANTS = [
  { label: 'system, USB webcams', userMode: false, usbWebcams: true },
  { label: 'system, no webcams', userMode: false, usbWebcams: false },
  { label: '--user, USB webcams', userMode: true, usbWebcams: true },
  { label: '--user, no webcams', userMode: true, usbWebcams: false },
] as const;

describe.each(VARIANTS)('a generated unit ($label)', ({ label, userMode, usbWebcams }) => {
  let file: string;

  beforeAll(async () => {
    const options: SystemdUnitOptions = {
      ...TAPO_UNIT,
      execStart: [program, 'run', '--config', '/etc/tapo-camera-mcp/crashproof.yaml'],
      user: userMode ? undefined : 'tapo-camera-mcp',
      userMode,
      usbWebcams,
    };
    file = path.join(
      work,
      `${userMode ? 'user' : 'system'}-${usbWebcams ? 'webcams' : 'plain'}.service`,
    );
    await writeFile(file, renderSystemdUnit(options));
  });

  it('passes systemd-analyze verify with nothing on stderr', async () => {
    const result = await verifyUnitFile(file, userMode, work);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('has no worse exposure level than docs/deployment.md states', async () => {
    const level = await exposureLevel(file);
    const documented = documentedExposure(docs, label);
    expect(level).toBeLessThanOrEqual(documented);
    if (!userMode) expect(level).toBeLessThanOrEqual(3.5);
  });

  it('keeps the settings its manager cannot apply out', async () => {
    const unit = settings(await readFile(file, 'utf8'));
    expect(unit.has('User')).toBe(!userMode);
    expect(unit.has('ProtectSystem')).toBe(!userMode);
    expect(unit.has('CapabilityBoundingSet')).toBe(!userMode);
    const deviceAccess = !userMode && usbWebcams;
    expect(unit.has('SupplementaryGroups')).toBe(deviceAccess);
    expect(unit.has('DeviceAllow')).toBe(deviceAccess);
    if (userMode) expect(unit.has('PrivateDevices')).toBe(false);
    else expect(unit.get('PrivateDevices')).toEqual([usbWebcams ? 'no' : 'yes']);
    expect(unit.get('WantedBy')).toEqual([userMode ? 'default.target' : 'multi-user.target']);
  });
});

describe('the unit for the app built from environment variables', () => {
  it('carries the variables and a working directory, and passes verify', async () => {
    const text = renderSystemdUnit({
      ...TAPO_UNIT,
      execStart: [program, 'run'],
      workingDirectory: '/var/lib/tapo-camera-mcp',
      environment: {
        TAPO_WEBAPP_PORT: '7777',
        WATCHFILES_RESTART_DELAY: '2.0',
        CRASHPROOF_APP_COMMAND: 'python3 -m "tapo_camera_mcp.web" --label 100%',
      },
    });
    const file = path.join(work, 'env.service');
    await writeFile(file, text);

    const unit = settings(text);
    expect(unit.get('WorkingDirectory')).toEqual(['/var/lib/tapo-camera-mcp']);
    expect(unit.get('Environment')).toEqual([
      '"CRASHPROOF_APP_COMMAND=python3 -m \\"tapo_camera_mcp.web\\" --label 100%%"',
      '"TAPO_WEBAPP_PORT=7777"',
      '"WATCHFILES_RESTART_DELAY=2.0"',
    ]);
    const result = await verifyUnitFile(file, false, work);
    expect(result.stderr).toBe('');
  });

  it('refuses variables beside a config file', () => {
    expect(() =>
      renderSystemdUnit({ ...TAPO_UNIT, environment: { TAPO_WEBAPP_PORT: '7777' } }),
    ).toThrow(/set the values in the config file/);
  });

  it('refuses a variable that looks like a secret', () => {
    expect(() =>
      renderSystemdUnit({
        ...TAPO_UNIT,
        execStart: [program, 'run'],
        environment: { CAMERA_PASSWORD: 'x' },
      }),
    ).toThrow(/CAMERA_PASSWORD looks like a secret/);
  });
});

describe('option checks', () => {
  it.each([
    [{ execStart: ['crashproof', 'run'] }, /not an absolute path/],
    [{ execStart: [] }, /execStart is empty/],
    [{ userMode: true }, /cannot be set on a --user unit/],
    [{ user: 'Bad User' }, /not a valid system user name/],
    [{ description: 'two\nlines' }, /line break/],
    [{ logsDirectory: '../etc' }, /relative name/],
    [{ memoryMax: '2GiB' }, /not a systemd size/],
    [{ cpuQuota: '2.0' }, /not a percentage/],
    [{ stopTimeoutSec: 0 }, /positive number/],
    [{ readWritePaths: ['data'] }, /not an absolute path/],
  ] as const)('rejects %o', (override, message) => {
    const attempt = () => renderSystemdUnit({ ...TAPO_UNIT, ...override } as SystemdUnitOptions);
    expect(attempt).toThrow(UnitOptionError);
    expect(attempt).toThrow(message);
  });

  it('quotes command-line arguments the way systemd splits them', () => {
    expect(quoteExecArg('/usr/bin/crashproof')).toBe('/usr/bin/crashproof');
    expect(quoteExecArg('/etc/my configs/a.yaml')).toBe('"/etc/my configs/a.yaml"');
    expect(quoteExecArg('100%')).toBe('"100%%"');
    expect(quoteExecArg('$HOME')).toBe('"$$HOME"');
    expect(quoteExecArg('say "hi"\\')).toBe('"say \\"hi\\"\\\\"');
    expect(quoteExecArg('')).toBe('""');
  });

  it('writes a command line with spaces, quotes, % and $ that verify accepts', async () => {
    const file = path.join(work, 'quoted.service');
    await writeFile(
      file,
      renderSystemdUnit({
        ...TAPO_UNIT,
        execStart: [program, 'run', '--config', '/etc/a b/100% "$x".yaml'],
      }),
    );
    const result = await verifyUnitFile(file, false, work);
    expect(result.stderr).toBe('');
  });
});

describe('systemdOptionsFromConfig', () => {
  const target = {
    nodePath: '/usr/bin/node',
    mainScript: '/usr/lib/node_modules/crashproof/dist/cli/main.js',
    serviceName: 'tapo-camera-mcp',
    userMode: false,
    user: 'tapo-camera-mcp',
  };

  /** Load the shipped config as installed, editing its raw input before validation. */
  async function shippedConfig(
    edit: (input: Record<string, unknown>) => void = () => {},
    installed = {
      baseDir: '/etc/tapo-camera-mcp',
      source: '/etc/tapo-camera-mcp/crashproof.yaml',
    } as {
      baseDir: string;
      source: string | undefined;
    },
  ): Promise<Config> {
    const input = parse(await readFile(SHIPPED_CONFIG, 'utf8')) as Record<string, unknown>;
    edit(input);
    return { ...configSchema.parse(input), ...installed };
  }

  function firstApp(input: Record<string, unknown>): Record<string, unknown> {
    return (input.apps as Record<string, unknown>[])[0]!;
  }

  it('derives the shipped unit settings from the shipped config', async () => {
    const { options, warnings } = systemdOptionsFromConfig(await shippedConfig(), target);
    expect(warnings).toEqual([]);
    expect(options.execStart).toEqual([
      target.nodePath,
      target.mainScript,
      'run',
      '--config',
      '/etc/tapo-camera-mcp/crashproof.yaml',
    ]);
    expect(options.stopTimeoutSec).toBe(10);
    expect(options.memoryMax).toBe('2G');
    expect(options.cpuQuota).toBe('200%');
    expect(options.workingDirectory).toBeUndefined();
    expect(options.environment).toBeUndefined();
    // The logs live in LogsDirectory=, which is writable already.
    expect(options.readWritePaths).toBeUndefined();
    expect(options.usbWebcams).toBe(false);
    expect(renderSystemdUnit(options)).toContain('User=tapo-camera-mcp');
  });

  it('opens writable paths for logs and databases outside the managed directories', async () => {
    const config = await shippedConfig((input) => {
      input.logging = { dir: 'logs' };
      input.cameras = [{ name: 'usb', device: '/dev/video0', kind: 'webcam' }];
      firstApp(input).databases = {
        files: ['/opt/tapo-camera-mcp/data/tapo.db'],
        backupDir: '/var/lib/tapo-camera-mcp/backups',
      };
    });
    const { options } = systemdOptionsFromConfig(config, target);
    expect(options.readWritePaths).toEqual([
      '/etc/tapo-camera-mcp/logs',
      '/opt/tapo-camera-mcp/data',
    ]);
    expect(options.usbWebcams).toBe(true);
  });

  it('passes the variables and the working directory without a config file', async () => {
    const config = await shippedConfig(
      (input) => {
        input.logging = { dir: 'logs' };
      },
      { baseDir: '/srv/tapo', source: undefined },
    );
    const { options } = systemdOptionsFromConfig(config, {
      ...target,
      userMode: true,
      environment: { TAPO_WEBAPP_PORT: '8888' },
    });
    expect(options.execStart).toEqual([target.nodePath, target.mainScript, 'run']);
    expect(options.workingDirectory).toBe('/srv/tapo');
    expect(options.environment).toEqual({ TAPO_WEBAPP_PORT: '8888' });
    expect(options.user).toBeUndefined();
    expect(options.readWritePaths).toBeUndefined();
  });

  it('sends the logs of a system unit without a config file to LogsDirectory', async () => {
    const config = await shippedConfig(
      (input) => {
        input.logging = { dir: 'logs' };
      },
      { baseDir: '/opt/tapo-camera-mcp', source: undefined },
    );
    const { options } = systemdOptionsFromConfig(config, { ...target, nodePath: program });
    expect(options.execStart).toEqual([
      program,
      target.mainScript,
      'run',
      '--log-dir',
      '/var/log/tapo-camera-mcp',
    ]);
    expect(options.workingDirectory).toBe('/opt/tapo-camera-mcp');
    expect(options.readWritePaths).toBeUndefined();

    const file = path.join(work, 'env-system.service');
    await writeFile(file, renderSystemdUnit(options));
    const result = await verifyUnitFile(file, false, work);
    expect(result.stderr).toBe('');
  });

  it('warns when the apps may use more memory than the service may', async () => {
    const config = await shippedConfig((input) => {
      const second = { ...firstApp(input), name: 'second', memory: { maxMemory: '1GiB' } };
      (input.apps as unknown[]).push(second);
    });
    const { options, warnings } = systemdOptionsFromConfig(config, target);
    expect(warnings.join('\n')).toMatch(/add up to .* not below the service's MemoryMax=2G/);
    expect(options.stopTimeoutSec).toBe(20);
  });
});
