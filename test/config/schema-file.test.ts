import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configJsonSchema } from '../../src/cli/config-command.js';
import { loadConfig } from '../../src/config/load.js';
import { validateWithJsonSchema } from '../helpers/json-schema.js';
import { CLEAN_SEED_ENV } from '../helpers/seed-env.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCHEMA_FILE = `${ROOT}schema/crashproof.schema.json`;
const SHIPPED_CONFIGS = ['examples/crashproof.yaml', 'deploy/tapo-camera-mcp.yaml'];

function validate(documents: unknown[]): string[][] {
  return validateWithJsonSchema(SCHEMA_FILE, documents);
}

describe('schema/crashproof.schema.json', () => {
  it('matches npm run schema output', async () => {
    const committed = await readFile(SCHEMA_FILE, 'utf8');
    // On failure: npm run build && npm run schema, then commit the file.
    expect(committed).toBe(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
  });

  it('accepts shipped configs, rejects wrong types', async () => {
    const documents: unknown[] = [];
    for (const file of SHIPPED_CONFIGS) documents.push(parse(await readFile(ROOT + file, 'utf8')));
    documents.push({ apps: [{ name: 'web', command: ['python3'], port: 'abc' }] });
    documents.push({ apps: [{ name: 'web', command: ['python3'], colour: 'blue' }] });

    const [example, deploy, wrongType, unknownKey] = validate(documents);
    expect(example).toEqual([]);
    expect(deploy).toEqual([]);
    expect(wrongType).toEqual(["apps/0/port: 'abc' is not of type 'integer'"]);
    expect(unknownKey).toHaveLength(1);
    expect(unknownKey![0]).toMatch(/^apps\/0: Additional properties are not allowed/);
  });

  it.each(SHIPPED_CONFIGS)('validates %s with zod', async (file) => {
    const { config } = await loadConfig({ configPath: file, cwd: ROOT, env: CLEAN_SEED_ENV });
    expect(config.apps.length).toBeGreaterThan(0);
  });
});
