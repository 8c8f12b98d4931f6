import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runHealthCommand, STATUS_URL, startStatusServer, stopServer } from './health-probe.js';

const REPO = path.resolve(import.meta.dirname, '../..');
const DOCKERFILE = path.join(REPO, 'deploy/Dockerfile');
const COMPOSE = path.join(REPO, 'deploy/compose.yaml');

interface Instruction {
  keyword: string;
  args: string;
}

/** Split a Dockerfile into instructions, joining continuation lines and dropping comments. */
function instructions(text: string): Instruction[] {
  const result: Instruction[] = [];
  let pending = '';
  for (const line of text.split('\n')) {
    // Comment lines are dropped even inside a continued instruction, as Docker does.
    if (/^\s*#/.test(line)) continue;
    const joined = `${pending}${line.trim()}`;
    if (joined.endsWith('\\')) {
      pending = `${joined.slice(0, -1)} `;
      continue;
    }
    pending = '';
    if (joined === '') continue;
    const space = joined.search(/\s/);
    result.push({
      keyword: joined.slice(0, space).toUpperCase(),
      args: joined.slice(space + 1).trim(),
    });
  }
  return result;
}

/** Group instructions by build stage: each FROM starts one. */
function stages(list: Instruction[]): Instruction[][] {
  const grouped: Instruction[][] = [];
  for (const instruction of list) {
    if (instruction.keyword === 'FROM') grouped.push([]);
    grouped.at(-1)?.push(instruction);
  }
  return grouped;
}

function run(
  program: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(program, args, { cwd: REPO, timeout: 30_000 }, (error, stdout, stderr) => {
      if (error !== null && typeof error.code !== 'number') {
        reject(
          new Error(
            `${program} could not run (${error.message}); install it with scripts/install-test-deps.sh`,
          ),
        );
        return;
      }
      resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
    });
  });
}

interface DockerfileLinter {
  validate(content: string): { message: string; range: { start: { line: number } } }[];
}

// dockerfile-utils (npm) is the Dockerfile linter that installs here, since
// hadolint is not packaged for Debian 12. It is an optional dev dependency:
// without it only the structural checks below run. The specifier is a
// variable so that the typecheck does not require the package.
const linterPackage = 'dockerfile-utils';
const dockerfileUtils = (await import(linterPackage).catch(() => undefined)) as
  | DockerfileLinter
  | undefined;
if (dockerfileUtils === undefined) {
  console.warn(
    'dockerfile-utils is not installed: skipping the Dockerfile lint (npm install --save-dev dockerfile-utils)',
  );
}

describe('deploy/Dockerfile', () => {
  let text: string;
  let build: Instruction[];
  let runtime: Instruction[];

  beforeAll(async () => {
    text = await readFile(DOCKERFILE, 'utf8');
    const all = stages(instructions(text));
    expect(all).toHaveLength(2);
    build = all[0]!;
    runtime = all[1]!;
  });

  const find = (stage: Instruction[], keyword: string) =>
    stage.filter((i) => i.keyword === keyword);

  it('builds in one stage and runs from another', () => {
    expect(find(build, 'FROM')[0]!.args).toMatch(/ AS build$/);
    expect(find(runtime, 'FROM')[0]!.args).toMatch(/ AS runtime$/);
    expect(find(build, 'RUN').some((i) => /\bnpm ci\b/.test(i.args))).toBe(true);
    expect(
      find(build, 'RUN').some(
        (i) => /npm run build/.test(i.args) && /npm prune --omit=dev/.test(i.args),
      ),
    ).toBe(true);
    const copies = find(runtime, 'COPY').map((i) => i.args);
    expect(copies).toContain('--from=build /src/dist ./dist');
    expect(copies).toContain('--from=build /src/node_modules ./node_modules');
  });

  it('installs python3 for the app and runs as a non-root user', () => {
    expect(find(runtime, 'RUN').some((i) => /apt-get install .*\bpython3\b/.test(i.args))).toBe(
      true,
    );
    const users = find(runtime, 'USER');
    expect(users).toHaveLength(1);
    expect(users[0]!.args).not.toMatch(/^(root|0)(:|$)/);
  });

  it('downloads nothing beyond npm and apt', () => {
    for (const instruction of [...build, ...runtime]) {
      expect(instruction.args).not.toMatch(/\b(curl|wget)\b/);
      if (instruction.keyword === 'ADD') expect(instruction.args).not.toMatch(/https?:/);
    }
  });

  it('checks health through the runner and starts under tini', () => {
    const health = find(runtime, 'HEALTHCHECK');
    expect(health).toHaveLength(1);
    expect(health[0]!.args).toContain('--interval=30s');
    expect(health[0]!.args).toContain(STATUS_URL);
    expect(find(runtime, 'ENTRYPOINT')[0]!.args).toBe(
      '["/usr/bin/tini", "-s", "--", "crashproof"]',
    );
  });

  it.skipIf(dockerfileUtils === undefined)('passes dockerfile-utils lint', () => {
    const problems = dockerfileUtils!.validate(text);
    expect(problems.map((p) => `line ${p.range.start.line + 1}: ${p.message}`)).toEqual([]);
  });

  it('health check command exits 0 on 200 and 1 otherwise', async () => {
    const command = JSON.parse(
      /CMD (\[.*\])$/.exec(find(runtime, 'HEALTHCHECK')[0]!.args)![1]!,
    ) as string[];
    await expectProbeResults(command);
  });
});

describe('deploy/compose.yaml', () => {
  it('validates with docker-compose config, without an engine', async () => {
    const result = await run('docker-compose', ['-f', COMPOSE, 'config', '-q']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('sets restart, init, limits, volumes and host networking', async () => {
    const compose = parse(await readFile(COMPOSE, 'utf8'));
    const service = compose.services['tapo-camera-mcp'];
    expect(service.restart).toBe('unless-stopped');
    expect(service.init).toBe(true);
    expect(service.mem_limit).toBe('2g');
    expect(service.cpus).toBe(2.0);
    expect(service.network_mode).toBe('host');
    expect(service.ports).toBeUndefined();
    expect(service.volumes).toEqual(['logs:/app/logs', 'data:/app/data']);
    expect(Object.keys(compose.volumes)).toEqual(['logs', 'data']);
  });

  it('stops later than the app stop timeout plus 5 s', async () => {
    const service = parse(await readFile(COMPOSE, 'utf8')).services['tapo-camera-mcp'];
    const seconds = Number(/^(\d+)s$/.exec(service.stop_grace_period)?.[1]);
    expect(seconds).toBeGreaterThanOrEqual(15);
  });

  it('keeps the webcam passthrough optional', async () => {
    const raw = await readFile(COMPOSE, 'utf8');
    expect(parse(raw).services['tapo-camera-mcp'].devices).toBeUndefined();
    expect(raw).toContain('#   - /dev/video0:/dev/video0');
  });

  it('checks the runner health as the Dockerfile does', async () => {
    const service = parse(await readFile(COMPOSE, 'utf8')).services['tapo-camera-mcp'];
    expect(service.healthcheck).toMatchObject({
      interval: '30s',
      timeout: '10s',
      retries: 3,
      start_period: '40s',
    });
    const [kind, ...command] = service.healthcheck.test as string[];
    expect(kind).toBe('CMD');
    await expectProbeResults(command);
  });
});

/** Run the health command against 200, 503, a closed port and a server that never responds. */
async function expectProbeResults(command: string[]): Promise<void> {
  const servers = await Promise.all([
    startStatusServer(200),
    startStatusServer(503),
    startStatusServer(undefined),
  ]);
  const closed = await startStatusServer(200);
  await stopServer(closed.server);

  try {
    expect(await runHealthCommand(command, servers[0].port, 2000)).toBe(0);
    expect(await runHealthCommand(command, servers[1].port, 2000)).toBe(1);
    expect(await runHealthCommand(command, closed.port, 2000)).toBe(1);
    expect(await runHealthCommand(command, servers[2].port, 300)).toBe(1);
  } finally {
    await Promise.all(servers.map(({ server }) => stopServer(server)));
  }
}
