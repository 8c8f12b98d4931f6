import { describe, expect, it } from 'vitest';
import { scheduleSchema } from '../../src/config/schema/guards.js';
import {
  CronError,
  nextCronTime,
  parseCron,
  parseDailyTime,
  parseRestartAt,
} from '../../src/guards/cron.js';

const utc = (text: string) => new Date(`${text}Z`);
const next = (expression: string, after: string) =>
  nextCronTime(parseCron(expression), utc(after), 'utc')?.toISOString();

describe('nextCronTime in UTC', () => {
  it.each([
    ['30 3 * * *', '2026-01-01T04:00:00', '2026-01-02T03:30:00.000Z'],
    ['30 3 * * *', '2026-01-01T03:29:59', '2026-01-01T03:30:00.000Z'],
    ['30 3 * * *', '2026-01-01T03:30:00', '2026-01-02T03:30:00.000Z'],
    ['*/15 * * * *', '2026-01-01T10:07:00', '2026-01-01T10:15:00.000Z'],
    ['*/15 * * * *', '2026-01-01T23:50:00', '2026-01-02T00:00:00.000Z'],
    ['10-50/20 * * * *', '2026-01-01T10:31:00', '2026-01-01T10:50:00.000Z'],
    ['5/20 * * * *', '2026-01-01T10:26:00', '2026-01-01T10:45:00.000Z'],
    ['0 0 * * MON-FRI', '2026-01-02T12:00:00', '2026-01-05T00:00:00.000Z'],
    ['0 4 * * 7', '2026-01-01T00:00:00', '2026-01-04T04:00:00.000Z'],
    ['0 4 * * sun', '2026-01-01T00:00:00', '2026-01-04T04:00:00.000Z'],
    ['0 0 1 * *', '2026-01-15T00:00:00', '2026-02-01T00:00:00.000Z'],
    ['0 12 1 * MON', '2026-01-02T00:00:00', '2026-01-05T12:00:00.000Z'],
    ['0 0 29 2 *', '2026-03-01T00:00:00', '2028-02-29T00:00:00.000Z'],
    ['59 23 31 12 *', '2026-12-31T23:59:00', '2027-12-31T23:59:00.000Z'],
    ['0 6 * JAN,jul *', '2026-02-01T00:00:00', '2026-07-01T06:00:00.000Z'],
    ['0 0 31 * *', '2026-04-01T00:00:00', '2026-05-31T00:00:00.000Z'],
    ['0,30 8-9 * * *', '2026-01-01T09:30:00', '2026-01-02T08:00:00.000Z'],
  ])('%s after %s', (expression, after, expected) => {
    expect(next(expression, after)).toBe(expected);
  });

  it('matches either day field when both are set', () => {
    // Day 13 or any Friday, as in Vixie cron.
    const schedule = parseCron('0 0 13 * FRI');
    expect(nextCronTime(schedule, utc('2026-01-01T00:00:00'), 'utc')?.toISOString()).toBe(
      '2026-01-02T00:00:00.000Z',
    );
    expect(nextCronTime(schedule, utc('2026-01-10T00:00:00'), 'utc')?.toISOString()).toBe(
      '2026-01-13T00:00:00.000Z',
    );
  });
});

describe('parseCron errors', () => {
  it.each([
    ['61 * * * *', 'minute 61 is out of range 0-59'],
    ['0 24 * * *', 'hour 24 is out of range 0-23'],
    ['0 0 0 * *', 'day of month 0 is out of range 1-31'],
    ['0 0 * 13 *', 'month 13 is out of range 1-12'],
    ['0 0 * * 8', 'day of week 8 is out of range 0-7'],
    ['* * *', 'expected 5 fields, found 3'],
    ['', 'expected 5 fields, found 0'],
    ['* * * * * *', 'expected 5 fields, found 6'],
    ['*/0 * * * *', 'step "/0" in the minute field must be a whole number above 0'],
    ['5-1 * * * *', 'minute range "5-1" runs backwards'],
    ['abc * * * *', 'minute "abc" is not a number'],
    ['1,,2 * * * *', 'minute "" is malformed'],
    ['0 0 30 2 *', 'it matches no date'],
    ['0 0 * FOO *', 'month "FOO" is not a number'],
  ])('rejects "%s"', (expression, problem) => {
    expect(() => parseCron(expression)).toThrow(CronError);
    expect(() => parseCron(expression)).toThrow(
      `invalid cron expression "${expression}": ${problem}`,
    );
    expect(() => parseCron(expression)).toThrow(
      /use five fields "minute hour day-of-month month day-of-week"/,
    );
  });
});

describe('daily times', () => {
  it('parses HH:MM', () => {
    const schedule = parseDailyTime('03:30');
    expect(nextCronTime(schedule, utc('2026-01-01T12:00:00'), 'utc')?.toISOString()).toBe(
      '2026-01-02T03:30:00.000Z',
    );
    expect(parseDailyTime('7:05').hours).toEqual(new Set([7]));
  });

  it.each(['24:00', '12:60', '3:5', '0330', 'noon'])('rejects "%s"', (text) => {
    expect(() => parseDailyTime(text)).toThrow(
      `invalid daily time "${text}": use "HH:MM" on a 24-hour clock, such as "03:30"`,
    );
  });

  it('tells restartAt forms apart', () => {
    expect(parseRestartAt('04:15').source).toBe('15 4 * * *');
    expect(parseRestartAt('0 4 * * SUN').source).toBe('0 4 * * SUN');
  });
});

describe('local time', () => {
  it('keeps the wall-clock hour', () => {
    // Whatever the machine's zone, a local schedule lands on 03:30 local time.
    const found = nextCronTime(parseCron('30 3 * * *'), new Date(2026, 5, 10, 12, 0), 'local')!;
    expect(found.getHours()).toBe(3);
    expect(found.getMinutes()).toBe(30);
    expect(found.getDate()).toBe(11);
  });
});

describe('scheduleSchema', () => {
  it('accepts either form', () => {
    expect(scheduleSchema.parse({ restartAt: '03:30' })).toEqual({
      restartAt: '03:30',
      timeZone: 'local',
    });
    expect(scheduleSchema.parse({ cron: '0 4 * * SUN', timeZone: 'utc' }).cron).toBe('0 4 * * SUN');
  });

  it('names the invalid value and the field', () => {
    const result = scheduleSchema.safeParse({ cron: '61 * * * *' });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['cron']);
    expect(result.error?.issues[0]?.message).toMatch(
      /^invalid cron expression "61 \* \* \* \*": minute 61/,
    );
  });

  it('rejects both or neither', () => {
    expect(
      scheduleSchema.safeParse({ restartAt: '03:30', cron: '0 4 * * *' }).error?.issues[0]?.message,
    ).toBe('set either "restartAt" or "cron", not both');
    expect(scheduleSchema.safeParse({}).error?.issues[0]?.message).toMatch(/needs "restartAt"/);
  });
});
