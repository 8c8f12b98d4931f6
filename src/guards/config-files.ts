import { mkdir, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseToml, TomlError } from 'smol-toml';
import { parseDocument } from 'yaml';
import type { ConfigFilesConfig } from '../config/schema/guards.js';
import { redactText } from '../crash/redact.js';
import type { EventBus } from '../events.js';
import type { PreStartContext } from '../supervisor/handle.js';
import { fileSafeTime } from '../util/atomic-write.js';
import { copyAtomically, StampedCopies } from './file-stamp.js';
import { type GuardLogger, silentLogger } from './logger.js';

export type ConfigFormat = 'json' | 'yaml' | 'toml';

const FORMATS: Record<string, ConfigFormat> = {
  '.json': 'json',
  '.yaml': 'yaml',
  '.yml': 'yaml',
  '.toml': 'toml',
};

/** Choose the format of a config file by its extension; throws for others, naming the file and the choices. */
export function configFormatOf(file: string): ConfigFormat {
  const format = FORMATS[path.extname(file).toLowerCase()];
  if (format === undefined) {
    throw new Error(
      `config file "${file}" has an unsupported type: configFiles checks files ending in .json, .yaml, .yml or .toml`,
    );
  }
  return format;
}

/**
 * Keep the first line of a parser message without the source text it
 * quotes: the quoted lines may hold a password, and a truncated quote can
 * cut off the key name that redaction looks for.
 */
function withoutQuotedSource(message: string): string {
  const firstLine = message.split('\n')[0]!.replace(/:$/, '');
  return redactText(firstLine.replace(/, (?:\.\.\.)?".*$/, ' (not valid JSON)'));
}

/** Parse text in a format; returns the parser's error message, or undefined when it parses. */
export function parseError(text: string, format: ConfigFormat): string | undefined {
  try {
    if (format === 'json') JSON.parse(text);
    else if (format === 'toml') parseToml(text);
    else {
      const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
      const errors = document.errors.map((error) => withoutQuotedSource(error.message));
      if (errors.length > 0) return errors.join('; ');
    }
    return undefined;
  } catch (error) {
    if (error instanceof TomlError)
      return `${withoutQuotedSource(error.message)} at line ${error.line}, column ${error.column}`;
    return withoutQuotedSource(error instanceof Error ? error.message : String(error));
  }
}

export interface ConfigFileIncident {
  app: string;
  file: string;
  /** The parser's message for the broken file. */
  error: string;
  /** restored: the broken file moved aside and the last good copy put back; left: nothing changed. */
  action: 'restored' | 'left';
  movedTo?: string;
  restoredFrom?: string;
  message: string;
}

export interface ConfigFileGuardOptions {
  app: string;
  config: ConfigFilesConfig;
  /** Relative paths in config resolve against this directory. */
  baseDir: string;
  bus: EventBus;
  logger?: GuardLogger;
  now?: () => Date;
}

/**
 * Keeps the app's own config files startable. Before each start every file
 * must parse; a file that parses is kept as a last-good copy (rotated, keep
 * copies). After an unclean exit, a file that no longer parses is moved
 * aside and its last good copy restored. Before a requested restart it is
 * only reported, because someone may be editing it.
 */
export class ConfigFileGuard {
  private readonly app: string;
  private readonly config: ConfigFilesConfig;
  private readonly logger: GuardLogger;
  private readonly bus: EventBus;
  private readonly now: () => Date;
  private readonly files: { file: string; format: ConfigFormat; copies: StampedCopies }[];
  private unsubscribe: (() => void) | undefined;

  constructor(options: ConfigFileGuardOptions) {
    this.app = options.app;
    this.config = options.config;
    this.bus = options.bus;
    this.logger = options.logger ?? silentLogger;
    this.now = options.now ?? (() => new Date());
    const backupRoot = path.resolve(options.baseDir, options.config.backupDir);
    this.files = options.config.files.map((relative) => {
      const file = path.resolve(options.baseDir, relative);
      const ext = path.extname(file);
      const folder = path
        .relative(options.baseDir, file)
        .replace(/^(\.\.[\\/])+/, '')
        .replace(/[\\/:]/g, '_');
      return {
        file,
        format: configFormatOf(file),
        copies: new StampedCopies(path.join(backupRoot, folder), path.basename(file, ext), ext),
      };
    });
  }

  /** The pre-start hook for the supervisor. */
  readonly preStart = async (context: PreStartContext): Promise<void> => {
    await this.runPreStart(context);
  };

  /** Start saving last-good copies when the app becomes ready: a file it started with is proven good. */
  start(): void {
    if (this.unsubscribe) return;
    this.unsubscribe = this.bus.on('app:ready', (event) => {
      if (event.app !== this.app) return;
      void this.saveGoodCopies().catch((error: unknown) => {
        this.logger.warn({ app: this.app, err: error }, 'saving last-good config copies failed');
      });
    });
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  /** Check every file; restore broken ones after an unclean exit. Returns the incidents, for crash reports. */
  async runPreStart(context: PreStartContext): Promise<ConfigFileIncident[]> {
    const incidents: ConfigFileIncident[] = [];
    for (const entry of this.files) {
      const incident = await this.checkOne(
        entry,
        context.uncleanExit || context.killedAfterTimeout,
      );
      if (incident) incidents.push(incident);
    }
    return incidents;
  }

  /** Copy every file that parses and differs from its newest copy into the backup folder. */
  async saveGoodCopies(): Promise<string[]> {
    const saved: string[] = [];
    for (const entry of this.files) {
      const text = await readText(entry.file);
      if (text === undefined || parseError(text, entry.format) !== undefined) continue;

      const newest = (await entry.copies.list()).pop();
      if (newest !== undefined && (await readText(newest)) === text) continue;

      await mkdir(entry.copies.dir, { recursive: true });
      const target = entry.copies.pathFor(this.now());
      await copyAtomically(entry.file, target);
      await entry.copies.prune(this.config.keep);
      saved.push(target);
    }
    return saved;
  }

  private async checkOne(
    entry: (typeof this.files)[number],
    afterCrash: boolean,
  ): Promise<ConfigFileIncident | undefined> {
    const text = await readText(entry.file);
    if (text === undefined) {
      this.logger.warn(
        { app: this.app, file: entry.file },
        `config file ${entry.file} does not exist`,
      );
      return undefined;
    }

    const error = parseError(text, entry.format);
    if (error === undefined) {
      // A first start has no copy yet: keep one now, before anything can break it.
      if ((await entry.copies.list()).length === 0) await this.saveGoodCopies();
      return undefined;
    }

    const lastGood = (await entry.copies.list()).pop();
    if (!afterCrash || lastGood === undefined) {
      const reason = afterCrash
        ? 'there is no last good copy to restore'
        : 'the restart was requested, so it is left for whoever edits it';
      return this.report({
        app: this.app,
        file: entry.file,
        error,
        action: 'left',
        message: `config file ${entry.file} does not parse (${error}); ${reason}`,
      });
    }

    const movedTo = `${entry.file}.broken-${fileSafeTime(this.now())}`;
    await rename(entry.file, movedTo);
    await copyAtomically(lastGood, entry.file);
    return this.report({
      app: this.app,
      file: entry.file,
      error,
      action: 'restored',
      movedTo,
      restoredFrom: lastGood,
      message: `config file ${entry.file} does not parse after a crash (${error}): moved it to ${movedTo} and restored the last good copy ${lastGood}`,
    });
  }

  private report(incident: ConfigFileIncident): ConfigFileIncident {
    this.logger.error(
      {
        app: this.app,
        file: incident.file,
        action: incident.action,
        movedTo: incident.movedTo,
        restoredFrom: incident.restoredFrom,
      },
      incident.message,
    );
    this.bus.emit('runner:warning', { app: this.app, message: incident.message });
    return incident;
  }
}

async function readText(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
