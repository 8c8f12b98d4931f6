import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigFileGuard, configFormatOf, parseError } from '../../src/guards/config-files.js';
import { TempDirs } from '../helpers/temp.js';
import { guardContext, waitFor } from './helpers.js';

let dir: string;
const temp = new TempDirs();
const guards: ConfigFileGuard[] = [];

beforeEach(async () => {
  dir = await temp.make('crashproof-configfiles-');
});

afterEach(async () => {
  for (const guard of guards.splice(0)) guard.stop();
  await temp.removeAll();
});

const crashed = { app: 'cams', uncleanExit: true, killedAfterTimeout: false, firstStart: false };
const requested = { ...crashed, uncleanExit: false };

const GOOD = {
  'settings.json': '{"port": 7777, "cameras": ["front", "garden"]}\n',
  'settings.yaml': 'port: 7777\ncameras:\n  - front\n  - garden\n',
  'settings.toml': 'port = 7777\n\n[cameras.front]\nhost = "192.0.2.10"\n',
};
const BROKEN = {
  'settings.json': '{"port": 7777, "cameras": ["front", \n',
  'settings.yaml': 'port: 7777\ncameras:\n  - front\n - garden\n',
  'settings.toml': 'port = 7777\n[cameras.front\nhost = "192.0.2.10"\n',
};

function makeGuard(files: string[], keep = 3) {
  const { bus, warnings, logger, now } = guardContext();
  const guard = new ConfigFileGuard({
    app: 'cams',
    baseDir: dir,
    bus,
    logger,
    now,
    config: { files, keep, backupDir: 'backups/config' },
  });
  guards.push(guard);
  guard.start();
  return { guard, bus, warnings, logger };
}

describe('parseError', () => {
  it.each(Object.entries(GOOD))('accepts a valid %s', (name, text) => {
    expect(parseError(text, configFormatOf(name))).toBeUndefined();
  });

  it.each([
    ['settings.json', "Unexpected token ']' (not valid JSON)"],
    [
      'settings.yaml',
      'A block sequence may not be used as an implicit map key at line 4, column 1',
    ],
    ['settings.toml', 'Invalid TOML document: illegal character in key at line 2, column 15'],
  ])('rejects a broken %s with its position', (name, message) => {
    const broken = { ...BROKEN, 'settings.json': '{"port": 7777, "cameras": ["front", ]}' };
    expect(
      parseError(broken[name as keyof typeof BROKEN], configFormatOf(name))?.startsWith(message),
    ).toBe(true);
  });

  it('rejects duplicate YAML and TOML keys', () => {
    expect(parseError('a: 1\na: 2\n', 'yaml')).toMatch(/unique/i);
    expect(parseError('a = 1\na = 2\n', 'toml')).toBeTypeOf('string');
  });

  it('redacts secrets quoted in parser messages', () => {
    // V8 quotes the text around the error, cut to '..."assword": hunter2}'.
    const message = parseError('{"password": hunter2}', 'json');
    expect(message).toBe("Unexpected token 'h' (not valid JSON)");
    const yamlMessage = parseError(
      'camera:\n  url: rtsp://admin:hunter2@192.0.2.10/stream\n  - bad\n',
      'yaml',
    );
    expect(yamlMessage).toBeTypeOf('string');
    expect(yamlMessage).not.toContain('hunter2');
    const tomlMessage = parseError(
      '[camera]\nurl = "rtsp://admin:hunter2@192.0.2.10/stream\n',
      'toml',
    );
    expect(tomlMessage).toBeTypeOf('string');
    expect(tomlMessage).not.toContain('hunter2');
  });

  it('names the file and the supported types', () => {
    expect(() => configFormatOf('/etc/app/settings.ini')).toThrow(
      'config file "/etc/app/settings.ini" has an unsupported type: configFiles checks files ending in .json, .yaml, .yml or .toml',
    );
  });
});

describe('ConfigFileGuard', () => {
  it.each(Object.keys(GOOD))('restores the last good %s after a crash', async (name) => {
    const file = path.join(dir, 'conf', name);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, GOOD[name as keyof typeof GOOD]);
    const { guard, warnings } = makeGuard([`conf/${name}`]);

    // The first start keeps a copy of the file that parses.
    expect(await guard.runPreStart({ ...requested, firstStart: true })).toEqual([]);
    await writeFile(file, BROKEN[name as keyof typeof BROKEN]);

    const [incident] = await guard.runPreStart(crashed);
    expect(incident?.action).toBe('restored');
    expect(await readFile(file, 'utf8')).toBe(GOOD[name as keyof typeof GOOD]);
    expect(incident?.movedTo).toMatch(
      new RegExp(`${name.replace('.', '\\.')}\\.broken-2026-01-01T12-00-\\d\\d\\.000Z$`),
    );
    expect(await readFile(incident!.movedTo!, 'utf8')).toBe(BROKEN[name as keyof typeof BROKEN]);
    expect(incident?.restoredFrom).toContain(path.join('backups', 'config'));
    expect(warnings).toEqual([incident?.message]);
  });

  it('leaves a broken file alone before a requested restart', async () => {
    const file = path.join(dir, 'settings.yaml');
    await writeFile(file, GOOD['settings.yaml']);
    const { guard } = makeGuard(['settings.yaml']);
    await guard.runPreStart(requested);
    await writeFile(file, BROKEN['settings.yaml']);

    const [incident] = await guard.runPreStart(requested);
    expect(incident?.action).toBe('left');
    expect(incident?.message).toContain('the restart was requested');
    expect(await readFile(file, 'utf8')).toBe(BROKEN['settings.yaml']);
  });

  it('reports a broken file with no copy', async () => {
    await writeFile(path.join(dir, 'settings.json'), BROKEN['settings.json']);
    const { guard } = makeGuard(['settings.json']);
    const [incident] = await guard.runPreStart(crashed);
    expect(incident?.action).toBe('left');
    expect(incident?.message).toContain('there is no last good copy to restore');
  });

  it('saves proven copies on ready and rotates them', async () => {
    const file = path.join(dir, 'settings.json');
    const { guard, bus } = makeGuard(['settings.json'], 2);
    const folder = path.join(dir, 'backups', 'config', 'settings.json');

    for (let version = 1; version <= 4; version++) {
      await writeFile(file, `{"version": ${version}}`);
      bus.emit('app:ready', { app: 'cams', pid: 1, afterMs: 10, source: 'health' });
      await waitFor(async () => {
        const newest = (await readdir(folder).catch(() => [])).sort().pop();
        return (
          newest !== undefined &&
          (await readFile(path.join(folder, newest), 'utf8')).includes(`${version}}`)
        );
      }, `version ${version} saved on ready`);
    }

    // An unchanged file adds no copy, and a ready event of another app changes nothing.
    expect(await guard.saveGoodCopies()).toEqual([]);
    bus.emit('app:ready', { app: 'other', pid: 2, afterMs: 10, source: 'health' });

    const copies = (await readdir(folder)).sort();
    expect(copies).toHaveLength(2);
    for (const copy of copies) expect(copy).toMatch(/^settings-2026-01-01T12-00-\d\d\.000Z\.json$/);
    expect(await readFile(path.join(folder, copies[1]!), 'utf8')).toBe('{"version": 4}');
  });

  it('does not copy a broken file', async () => {
    const file = path.join(dir, 'settings.toml');
    await writeFile(file, BROKEN['settings.toml']);
    const { guard } = makeGuard(['settings.toml']);
    expect(await guard.saveGoodCopies()).toEqual([]);
  });

  it('warns about a missing file', async () => {
    const { guard, logger } = makeGuard(['missing.yaml']);
    expect(await guard.runPreStart(crashed)).toEqual([]);
    expect(logger.lines[0]?.message).toBe(
      `config file ${path.join(dir, 'missing.yaml')} does not exist`,
    );
    expect(existsSync(path.join(dir, 'missing.yaml'))).toBe(false);
  });
});
