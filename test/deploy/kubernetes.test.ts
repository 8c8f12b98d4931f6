import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { configSchema } from '../../src/config/schema/index.js';
import { runHealthCommand, STATUS_URL, startStatusServer, stopServer } from './health-probe.js';

const MANIFEST = path.resolve(import.meta.dirname, '../../deploy/kubernetes/deployment.yaml');

interface Probe {
  exec?: { command: string[] };
  httpGet?: unknown;
  periodSeconds?: number;
  timeoutSeconds?: number;
}

interface Container {
  name: string;
  args: string[];
  resources: { limits: Record<string, string>; requests: Record<string, string> };
  livenessProbe: Probe;
  readinessProbe: Probe;
  volumeMounts: { name: string; mountPath: string }[];
}

interface Manifest {
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  spec: {
    template: {
      spec: {
        containers: Container[];
        volumes: { name: string }[];
        terminationGracePeriodSeconds: number;
      };
    };
  };
}

let manifests: Manifest[];
let container: Container;

beforeAll(async () => {
  const documents = parseAllDocuments(await readFile(MANIFEST, 'utf8'));
  for (const document of documents) expect(document.errors).toEqual([]);
  manifests = documents.map((document) => document.toJS() as Manifest);
  const deployment = manifests.find((m) => m.kind === 'Deployment');
  container = deployment!.spec.template.spec.containers[0]!;
});

describe('deploy/kubernetes/deployment.yaml', () => {
  it('limits the pod to 2Gi of memory and 2 CPUs', () => {
    expect(container.resources.limits).toEqual({ memory: '2Gi', cpu: '2' });
  });

  it('probes the runner through an exec command, not httpGet', () => {
    for (const probe of [container.livenessProbe, container.readinessProbe]) {
      expect(probe.httpGet).toBeUndefined();
      expect(probe.exec?.command.join(' ')).toContain(STATUS_URL);
      expect(probe.timeoutSeconds).toBe(10);
    }
  });

  it('probe commands exit 0 on 200 and 1 on 503', async () => {
    const ok = await startStatusServer(200);
    const fatal = await startStatusServer(503);
    try {
      expect(await runHealthCommand(container.livenessProbe.exec!.command, ok.port, 2000)).toBe(0);
      expect(await runHealthCommand(container.livenessProbe.exec!.command, fatal.port, 2000)).toBe(
        1,
      );
      expect(await runHealthCommand(container.readinessProbe.exec!.command, fatal.port, 2000)).toBe(
        1,
      );
    } finally {
      await stopServer(ok.server);
      await stopServer(fatal.server);
    }
  });

  it('mounts every volume it declares', () => {
    const deployment = manifests.find((m) => m.kind === 'Deployment')!;
    const declared = deployment.spec.template.spec.volumes.map((v) => v.name).sort();
    const mounted = container.volumeMounts.map((m) => m.name).sort();
    expect(mounted).toEqual(declared);
    expect(declared).toEqual(expect.arrayContaining(['config', 'logs', 'data']));
  });

  it('runs the config it ships, with logs on the logs volume', () => {
    const configMap = manifests.find((m) => m.kind === 'ConfigMap')!;
    const config = configSchema.parse(parse(configMap.data!['crashproof.yaml']!));
    const configMount = container.volumeMounts.find((m) => m.name === 'config')!;
    const logsMount = container.volumeMounts.find((m) => m.name === 'logs')!;

    expect(container.args).toEqual(['run', '--config', `${configMount.mountPath}/crashproof.yaml`]);
    expect(config.logging.dir).toBe(logsMount.mountPath);
    expect(config.apps[0]!.memory?.maxMemory).toBeLessThan(2 * 2 ** 30);
  });

  it('gives the runner longer than the app stop timeout to stop', () => {
    const configMap = manifests.find((m) => m.kind === 'ConfigMap')!;
    const config = configSchema.parse(parse(configMap.data!['crashproof.yaml']!));
    const deployment = manifests.find((m) => m.kind === 'Deployment')!;
    expect(deployment.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(
      config.apps[0]!.stopTimeout / 1000 + 5,
    );
  });
});
