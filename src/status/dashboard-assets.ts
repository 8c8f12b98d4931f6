import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/**
 * Files of the dashboard page. They live beside this module in dashboard/
 * (src/status/dashboard in the source tree, dist/status/dashboard after
 * `npm run build` copies them), so the page needs no build step of its own.
 */
const ASSETS: Readonly<Record<string, string>> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'timeline.js': 'text/javascript; charset=utf-8',
  'render.js': 'text/javascript; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
};

/** Scripts and styles only from this server: no inline code, no CDN, no other site. */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export interface Asset {
  body: Buffer;
  contentType: string;
}

export class DashboardAssets {
  private readonly cache = new Map<string, Asset>();

  constructor(
    private readonly dir: string = fileURLToPath(new URL('./dashboard/', import.meta.url)),
  ) {}

  /** Return the asset of that file name, or undefined for a name the dashboard does not have. */
  async get(name: string): Promise<Asset | undefined> {
    const contentType = ASSETS[name];
    if (contentType === undefined) return undefined;
    const cached = this.cache.get(name);
    if (cached !== undefined) return cached;
    const body = await readFile(`${this.dir}${name}`).catch((error: NodeJS.ErrnoException) => {
      throw new Error(
        `dashboard file ${this.dir}${name} is missing (${error.code}): run \`npm run build\`, which copies src/status/dashboard into dist`,
      );
    });
    const asset = { body, contentType };
    this.cache.set(name, asset);
    return asset;
  }
}
