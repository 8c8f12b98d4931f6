import type { z } from 'zod';

type Issue = { path: PropertyKey[]; message: string };

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function text(value: unknown, key: string): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const field = (value as Record<string, unknown>)[key];
  return typeof field === 'string' ? field : undefined;
}

function entries(value: unknown, key: string): unknown[] {
  return value !== null && typeof value === 'object'
    ? list((value as Record<string, unknown>)[key])
    : [];
}

/**
 * Checks across sections: unique app and camera names, references between
 * apps, cameras and start conditions, and crash rule patterns. They run
 * even when other keys are invalid, so every problem is reported at once;
 * that is why the input is read defensively as unknown.
 */
export function crossCheckConfig(config: unknown): Issue[] {
  const issues: Issue[] = [];
  const apps = entries(config, 'apps');
  const cameras = entries(config, 'cameras');

  const appNames = new Set<string>();
  apps.forEach((app, index) => {
    const name = text(app, 'name');
    if (name === undefined) return;
    if (appNames.has(name)) {
      issues.push({
        path: ['apps', index, 'name'],
        message: `duplicate app name "${name}": each app needs its own name`,
      });
    }
    appNames.add(name);
  });

  const cameraNames = new Set<string>();
  cameras.forEach((camera, index) => {
    const name = text(camera, 'name');
    if (name === undefined) return;
    if (cameraNames.has(name))
      issues.push({ path: ['cameras', index, 'name'], message: `duplicate camera name "${name}"` });
    cameraNames.add(name);
  });

  entries(config, 'crashRules').forEach((rule, index) => {
    const pattern = text(rule, 'pattern');
    if (pattern === undefined) return;
    try {
      new RegExp(pattern, 'i');
    } catch (error) {
      issues.push({
        path: ['crashRules', index, 'pattern'],
        message: `invalid regular expression (${(error as Error).message}); escape ( ) [ ] { } . * + ? with a backslash to match them literally`,
      });
    }
  });

  cameras.forEach((camera, index) => {
    const app = text(camera, 'app');
    if (app !== undefined && !appNames.has(app)) {
      issues.push({
        path: ['cameras', index, 'app'],
        message: `no app named "${app}"; use one of ${[...appNames].join(', ')}`,
      });
    }
  });

  apps.forEach((app, appIndex) => {
    const appName = text(app, 'name');
    entries(app, 'startConditions').forEach((condition, index) => {
      const camera = text(condition, 'camera');
      if (camera !== undefined && !cameraNames.has(camera)) {
        issues.push({
          path: ['apps', appIndex, 'startConditions', index, 'camera'],
          message: `no camera named "${camera}" under cameras:`,
        });
      }
      const other = text(condition, 'app');
      if (other !== undefined && (!appNames.has(other) || other === appName)) {
        issues.push({
          path: ['apps', appIndex, 'startConditions', index, 'app'],
          message: `"${other}" must name another app of this file`,
        });
      }
    });
  });

  return issues;
}

/** Adapter for zod's superRefine. */
export function addCrossCheckIssues(config: unknown, ctx: z.RefinementCtx): void {
  for (const issue of crossCheckConfig(config))
    ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
}
