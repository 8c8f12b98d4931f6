import type { CameraLogger } from '../../src/cameras/types.js';

export interface LogRecord {
  level: 'debug' | 'info' | 'warn' | 'error';
  fields: Record<string, unknown>;
  message: string;
}

/** A CameraLogger that keeps every record, for assertions on what was logged. */
export class RecordingLogger implements CameraLogger {
  readonly records: LogRecord[] = [];

  debug(fields: Record<string, unknown>, message: string): void {
    this.records.push({ level: 'debug', fields, message });
  }
  info(fields: Record<string, unknown>, message: string): void {
    this.records.push({ level: 'info', fields, message });
  }
  warn(fields: Record<string, unknown>, message: string): void {
    this.records.push({ level: 'warn', fields, message });
  }
  error(fields: Record<string, unknown>, message: string): void {
    this.records.push({ level: 'error', fields, message });
  }

  /** Serialize every record as one JSON text, to check that no secret leaked anywhere. */
  text(): string {
    return JSON.stringify(this.records);
  }

  messages(level?: LogRecord['level']): string[] {
    return this.records
      .filter((record) => level === undefined || record.level === level)
      .map((record) => record.message);
  }
}
