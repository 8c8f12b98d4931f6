import { constants } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { errorCode, ProbeFailure } from './network-errors.js';
import { runProbe } from './probe-runner.js';
import type { ProbeOptions, ProbeResult } from './types.js';

const VIDEO_GROUP_HINT =
  "add the runner's user to the video group (usermod -aG video USER), then log in again";

/**
 * Probe a V4L2 device node such as /dev/video0: it must exist, be a
 * character device and open for reading. O_NONBLOCK keeps the open from
 * waiting on a device that is busy. Never rejects.
 */
export function probeV4l2(device: string, options: ProbeOptions): Promise<ProbeResult> {
  return runProbe(options.timeoutMs, async () => {
    let rdev: number;
    try {
      const stats = await stat(device);
      if (!stats.isCharacterDevice()) {
        return { status: 'not-a-camera', detail: `${device} is not a character device` };
      }
      rdev = stats.rdev;
    } catch (error) {
      throw deviceFailure(device, error);
    }

    try {
      const handle = await open(device, constants.O_RDONLY | constants.O_NONBLOCK);
      await handle.close();
    } catch (error) {
      if (errorCode(error) === 'EBUSY')
        return { status: 'online', detail: `${device} is busy (opened by another process)` };
      throw deviceFailure(device, error);
    }
    return {
      status: 'online',
      detail: `${device} opened for reading (character device ${deviceNumbers(rdev)})`,
    };
  });
}

function deviceFailure(device: string, error: unknown): ProbeFailure {
  switch (errorCode(error)) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new ProbeFailure(
        'unplugged',
        `${device} does not exist: the device is unplugged or not yet detected`,
      );
    case 'ENXIO':
    case 'ENODEV':
      return new ProbeFailure('unplugged', `${device}: device node present but the device is gone`);
    case 'EACCES':
    case 'EPERM':
      return new ProbeFailure(
        'permission-denied',
        `permission denied opening ${device}: ${VIDEO_GROUP_HINT}`,
      );
    default: {
      const message = error instanceof Error ? error.message : String(error);
      return new ProbeFailure('offline', `${device}: ${message}`);
    }
  }
}

/** "81:0": the Linux major and minor numbers of a device. */
function deviceNumbers(rdev: number): string {
  const major = Math.floor(rdev / 256) & 0xfff;
  const minor = (rdev & 0xff) | (Math.floor(rdev / 4096) & 0xfff00);
  return `${major}:${minor}`;
}
