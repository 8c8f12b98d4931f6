import { describe, expect, it } from 'vitest';
import {
  type CameraAction,
  type CameraPolicyInput,
  type CameraPolicyMemory,
  decideCameraActions,
  initialCameraPolicyMemory,
  type PolicyCamera,
} from '../../src/cameras/policy.js';
import type { AppState, CameraStatus, HealthState } from '../../src/events.js';

const WINDOW = 60_000;

/** Build a probed camera named like its report, unless reportedAs is given. */
function cam(name: string, probe: CameraStatus | undefined, reportedAs = name): PolicyCamera {
  return {
    name,
    reportedAs,
    probe,
    probeDetail: probe === undefined ? undefined : `probe says ${probe}`,
  };
}

interface Case {
  name: string;
  devices: Record<string, boolean | undefined>;
  cameras: PolicyCamera[];
  nowMs?: number;
  appState?: AppState;
  health?: HealthState;
  restartOnCameraOffline?: boolean;
  expected: Array<{ type: CameraAction['type']; cameras: string[] }>;
}

function decide(testCase: Case, memory: CameraPolicyMemory) {
  const input: CameraPolicyInput = {
    nowMs: testCase.nowMs ?? 100_000,
    app: {
      state: testCase.appState ?? 'running',
      health: testCase.health ?? 'healthy',
      startedAtMs: 0,
    },
    devices: Object.entries(testCase.devices).map(([name, online]) => ({ name, online })),
    cameras: testCase.cameras,
    settings: {
      restartOnCameraOffline: testCase.restartOnCameraOffline ?? false,
      reconnectWindowMs: WINDOW,
    },
    memory,
  };
  return decideCameraActions(input);
}

// Each case runs once from fresh memory, long after the app's start (no reconnect check without a decision inside the window).
const cases: Case[] = [
  {
    name: 'app and probe agree online',
    devices: { door: true },
    cameras: [cam('door', 'online')],
    expected: [],
  },
  {
    name: 'app offline while the probe reaches it: stale connection',
    devices: { door: false },
    cameras: [cam('door', 'online')],
    expected: [{ type: 'restart', cameras: ['door'] }],
  },
  {
    name: 'auth-required still counts as reachable',
    devices: { door: false },
    cameras: [cam('door', 'auth-required')],
    expected: [{ type: 'restart', cameras: ['door'] }],
  },
  {
    name: 'auth-failed still counts as reachable',
    devices: { door: false },
    cameras: [cam('door', 'auth-failed')],
    expected: [{ type: 'restart', cameras: ['door'] }],
  },
  {
    name: 'app and probe agree offline: notify, no restart',
    devices: { door: false },
    cameras: [cam('door', 'offline')],
    expected: [{ type: 'notify', cameras: ['door'] }],
  },
  {
    name: 'unplugged webcam reported offline: notify, no restart',
    devices: { webcam: false },
    cameras: [cam('webcam', 'unplugged')],
    expected: [{ type: 'notify', cameras: ['webcam'] }],
  },
  {
    name: 'probe not run yet: wait',
    devices: { door: false },
    cameras: [cam('door', 'unknown')],
    expected: [],
  },
  {
    name: 'app does not say',
    devices: { door: undefined },
    cameras: [cam('door', 'online')],
    expected: [],
  },
  {
    name: 'app does not report the camera',
    devices: {},
    cameras: [cam('door', 'offline')],
    expected: [],
  },
  {
    name: 'inside the reconnect window: no restart',
    devices: { door: false },
    cameras: [cam('door', 'online')],
    nowMs: WINDOW - 1,
    expected: [],
  },
  {
    name: 'unhealthy app: left to the health monitor',
    devices: { door: false },
    cameras: [cam('door', 'online')],
    health: 'unhealthy',
    expected: [],
  },
  {
    name: 'health not known yet: no restart',
    devices: { door: false },
    cameras: [cam('door', 'online')],
    health: 'unknown',
    expected: [],
  },
  {
    name: 'degraded app may be restarted',
    devices: { door: false },
    cameras: [cam('door', 'online')],
    health: 'degraded',
    expected: [{ type: 'restart', cameras: ['door'] }],
  },
  {
    name: 'app in backoff: nothing to restart',
    devices: { door: false },
    cameras: [cam('door', 'online')],
    appState: 'backoff',
    expected: [],
  },
  {
    name: 'outage is notified even while unhealthy',
    devices: { door: false },
    cameras: [cam('door', 'offline')],
    health: 'unhealthy',
    expected: [{ type: 'notify', cameras: ['door'] }],
  },
  {
    name: 'doorbell without a probe reported offline: one restart',
    devices: { ring: false },
    cameras: [cam('ring', undefined)],
    expected: [{ type: 'restart', cameras: ['ring'] }],
  },
  {
    name: 'device without a cameras entry is judged from the report',
    devices: { garage: false },
    cameras: [],
    expected: [{ type: 'restart', cameras: ['garage'] }],
  },
  {
    name: 'matched through reportedAs',
    devices: { 'Front Door': false, front: true },
    cameras: [cam('front', 'online', 'Front Door')],
    expected: [{ type: 'restart', cameras: ['front'] }],
  },
  {
    name: 'two stale cameras: one restart for both',
    devices: { a: false, b: false, c: true },
    cameras: [cam('a', 'online'), cam('b', 'online'), cam('c', 'online')],
    expected: [{ type: 'restart', cameras: ['a', 'b'] }],
  },
  {
    name: 'restartOnCameraOffline restarts even when both agree offline',
    devices: { door: false },
    cameras: [cam('door', 'offline')],
    restartOnCameraOffline: true,
    expected: [
      { type: 'notify', cameras: ['door'] },
      { type: 'restart', cameras: ['door'] },
    ],
  },
  {
    name: 'restartOnCameraOffline waits out the reconnect window',
    devices: { door: false },
    cameras: [cam('door', 'online')],
    restartOnCameraOffline: true,
    nowMs: WINDOW - 1,
    expected: [],
  },
];

describe('decideCameraActions, one decision', () => {
  for (const testCase of cases) {
    it(testCase.name, () => {
      const memory = initialCameraPolicyMemory();
      const { actions } = decide(testCase, memory);
      expect(actions.map((action) => ({ type: action.type, cameras: action.cameras }))).toEqual(
        testCase.expected,
      );
      for (const action of actions) {
        if (action.type === 'restart') expect(action.cause).toBe('camera');
      }
    });
  }

  it('does not change the memory it was given', () => {
    const memory = initialCameraPolicyMemory();
    const frozen = structuredClone(memory);
    decide(
      { name: '', devices: { door: false }, cameras: [cam('door', 'online')], expected: [] },
      memory,
    );
    expect(memory).toEqual(frozen);
  });

  it('words the stale-connection restart', () => {
    const memory = initialCameraPolicyMemory();
    const [action] = decide(
      { name: '', devices: { door: false }, cameras: [cam('door', 'online')], expected: [] },
      memory,
    ).actions;
    expect(action).toMatchObject({
      type: 'restart',
      reason:
        'app reports door offline while the direct probe reaches it (probe says online): restarting the app once to drop a stale camera connection',
    });
  });
});

/**
 * Runs decisions in order against one memory, as the coordinator does.
 * A restart action restarts the app at once (the supervisor's part).
 */
class Scenario {
  memory: CameraPolicyMemory = initialCameraPolicyMemory();
  startedAtMs = 0;
  restartOnCameraOffline = false;

  constructor(private readonly cameras: (probes: Record<string, CameraStatus>) => PolicyCamera[]) {}

  step(
    nowMs: number,
    devices: Record<string, boolean | undefined>,
    probes: Record<string, CameraStatus> = {},
    health: HealthState = 'healthy',
  ): CameraAction[] {
    const decision = decideCameraActions({
      nowMs,
      app: { state: 'running', health, startedAtMs: this.startedAtMs },
      devices: Object.entries(devices).map(([name, online]) => ({ name, online })),
      cameras: this.cameras(probes),
      settings: { restartOnCameraOffline: this.restartOnCameraOffline, reconnectWindowMs: WINDOW },
      memory: this.memory,
    });
    this.memory = decision.memory;
    if (decision.actions.some((action) => action.type === 'restart')) this.startedAtMs = nowMs;
    return decision.actions;
  }
}

const types = (actions: CameraAction[]) => actions.map((action) => action.type);
const door = (probes: Record<string, CameraStatus>) => [cam('door', probes.door ?? 'online')];

describe('decideCameraActions over time', () => {
  it('stale connection: one restart, one notice', () => {
    const run = new Scenario(door);
    expect(types(run.step(10_000, { door: true }))).toEqual([]);
    expect(types(run.step(70_000, { door: false }))).toEqual(['restart']);
    expect(run.startedAtMs).toBe(70_000);

    // Inside the window the app is still connecting.
    expect(types(run.step(100_000, { door: false }))).toEqual([]);
    const atWindowEnd = run.step(130_000, { door: false });
    expect(types(atWindowEnd)).toEqual(['notify']);
    expect((atWindowEnd[0] as { message: string }).message).toBe(
      'cameras not reconnected after restart: door (probe reaches it) still reported offline 60 s after the app started',
    );

    // No loop: the same picture later does nothing.
    expect(types(run.step(200_000, { door: false }))).toEqual([]);
    expect(types(run.step(500_000, { door: false }))).toEqual([]);
  });

  it('re-arms after the camera state changes', () => {
    const run = new Scenario(door);
    run.step(10_000, { door: true });
    expect(types(run.step(70_000, { door: false }))).toEqual(['restart']);
    expect(types(run.step(100_000, { door: true }))).toEqual([]);
    expect(types(run.step(140_000, { door: true }))).toEqual([]);
    expect(types(run.step(300_000, { door: false }))).toEqual(['restart']);
  });

  it('re-arms when the probe state changes while the app still reports offline', () => {
    const run = new Scenario(door);
    run.step(10_000, { door: true });
    run.step(70_000, { door: false });
    run.step(130_000, { door: false });
    expect(types(run.step(200_000, { door: false }, { door: 'offline' }))).toEqual(['notify']);
    const back = run.step(260_000, { door: false }, { door: 'online' });
    expect(types(back)).toEqual(['log', 'restart']);
  });

  it('notifies an agreed outage once and restarts once when the camera answers again', () => {
    const run = new Scenario(door);
    run.step(10_000, { door: true });
    run.step(70_000, { door: true });

    const down = run.step(100_000, { door: false }, { door: 'offline' });
    expect(types(down)).toEqual(['notify']);
    expect((down[0] as { message: string }).message).toContain(
      'camera door is offline: the app and the direct probe agree',
    );
    expect(types(run.step(130_000, { door: false }, { door: 'offline' }))).toEqual([]);
    expect(types(run.step(400_000, { door: false }, { door: 'offline' }))).toEqual([]);

    const back = run.step(430_000, { door: false }, { door: 'online' });
    expect(
      back.map((action) => [action.type, 'message' in action ? action.message : action.reason]),
    ).toEqual([
      ['log', 'camera door responds to its direct probe again'],
      [
        'restart',
        expect.stringContaining('app reports door offline while the direct probe reaches it'),
      ],
    ]);
    expect(types(run.step(460_000, { door: false }, { door: 'online' }))).toEqual([]);
  });

  it('stays quiet when the app reconnects within the window', () => {
    const run = new Scenario(door);
    run.step(10_000, { door: true });
    expect(types(run.step(70_000, { door: false }))).toEqual(['restart']);
    expect(types(run.step(80_000, { door: true }))).toEqual([]);
    expect(types(run.step(140_000, { door: true }))).toEqual([]);
  });

  it('counts a crash restart as the one attempt', () => {
    const run = new Scenario(door);
    run.step(10_000, { door: true });
    // The supervisor restarted the app after a crash at 100 s.
    run.startedAtMs = 100_000;
    expect(types(run.step(120_000, { door: false }))).toEqual([]);
    expect(types(run.step(170_000, { door: false }))).toEqual(['notify']);
    expect(types(run.step(300_000, { door: false }))).toEqual([]);
  });

  it('skips the check for a start it did not watch', () => {
    const run = new Scenario(door);
    run.startedAtMs = 100_000;
    // The first decision comes after the window: no notification, the stale rule applies.
    expect(types(run.step(200_000, { door: false }))).toEqual(['restart']);
  });

  it('checks the window after the first start too', () => {
    const run = new Scenario(door);
    expect(types(run.step(5_000, { door: false }))).toEqual([]);
    expect(types(run.step(61_000, { door: false }))).toEqual(['notify']);
    expect(types(run.step(120_000, { door: false }))).toEqual([]);
  });

  it('gives a doorbell one restart per outage', () => {
    const run = new Scenario(() => [cam('ring', undefined)]);
    run.step(10_000, { ring: true });
    expect(types(run.step(70_000, { ring: true }))).toEqual([]);
    const restart = run.step(100_000, { ring: false });
    expect(restart).toEqual([
      expect.objectContaining({
        type: 'restart',
        reason:
          'app reports ring offline and it has no direct probe: restarting the app once to drop a stale camera connection',
      }),
    ]);
    expect(types(run.step(120_000, { ring: false }))).toEqual([]);
    const atWindowEnd = run.step(170_000, { ring: false });
    expect(types(atWindowEnd)).toEqual(['notify']);
    expect((atWindowEnd[0] as { message: string }).message).toContain('ring (no direct probe)');
    expect(types(run.step(400_000, { ring: false }))).toEqual([]);
    expect(types(run.step(430_000, { ring: true }))).toEqual([]);
    expect(types(run.step(460_000, { ring: false }))).toEqual(['restart']);
  });

  it('restartOnCameraOffline restarts again after every window', () => {
    const run = new Scenario(door);
    run.restartOnCameraOffline = true;
    run.step(10_000, { door: true });
    expect(types(run.step(70_000, { door: false }))).toEqual(['restart']);
    expect(types(run.step(100_000, { door: false }))).toEqual([]);
    expect(types(run.step(131_000, { door: false }))).toEqual(['notify', 'restart']);
    expect(types(run.step(150_000, { door: false }))).toEqual([]);
    expect(types(run.step(192_000, { door: false }))).toEqual(['notify', 'restart']);
  });

  it('waits while unhealthy and restarts once health returns', () => {
    const run = new Scenario(door);
    run.step(10_000, { door: true });
    run.step(70_000, { door: true });
    expect(types(run.step(100_000, { door: false }, {}, 'unhealthy'))).toEqual([]);
    expect(types(run.step(130_000, { door: false }, {}, 'degraded'))).toEqual(['restart']);
  });
});
