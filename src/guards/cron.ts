/**
 * A five-field cron expression (minute hour day-of-month month day-of-week)
 * and the daily "HH:MM" form, parsed into sets of allowed values.
 */
export interface CronSchedule {
  source: string;
  minutes: ReadonlySet<number>;
  hours: ReadonlySet<number>;
  daysOfMonth: ReadonlySet<number>;
  months: ReadonlySet<number>;
  /** 0 is Sunday; 7 in the expression is read as 0. */
  daysOfWeek: ReadonlySet<number>;
  /** Whether the day-of-month and day-of-week fields were not "*": cron matches either day field when both are. */
  domRestricted: boolean;
  dowRestricted: boolean;
}

export type TimeZoneMode = 'local' | 'utc';

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  /** Names for the values from `min` upwards: JAN is 1, SUN is 0. */
  names?: readonly string[];
}

const FIELDS: readonly FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  {
    name: 'month',
    min: 1,
    max: 12,
    names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'],
  },
  { name: 'day of week', min: 0, max: 7, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
];

const FORMAT_HELP =
  'use five fields "minute hour day-of-month month day-of-week", such as "30 3 * * *" (03:30 daily) or "0 4 * * SUN"';

export class CronError extends Error {
  override name = 'CronError';
}

function fail(expression: string, problem: string): never {
  throw new CronError(`invalid cron expression "${expression}": ${problem}; ${FORMAT_HELP}`);
}

function parseValue(text: string, spec: FieldSpec, expression: string): number {
  const named = spec.names?.indexOf(text.toUpperCase()) ?? -1;
  if (named >= 0) return spec.min + named;
  if (!/^\d+$/.test(text)) fail(expression, `${spec.name} "${text}" is not a number`);
  const value = Number(text);
  if (value < spec.min || value > spec.max) {
    fail(expression, `${spec.name} ${value} is out of range ${spec.min}-${spec.max}`);
  }
  return value;
}

/** Parse one field: "*", "5", "1-5", "*\/15", "10-50/10", "MON-FRI", or a comma list of these. */
function parseField(text: string, spec: FieldSpec, expression: string): Set<number> {
  const values = new Set<number>();
  for (const part of text.split(',')) {
    const [range, stepText, extra] = part.split('/');
    if (range === undefined || range === '' || extra !== undefined)
      fail(expression, `${spec.name} "${part}" is malformed`);

    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) === 0) {
        fail(
          expression,
          `step "/${stepText}" in the ${spec.name} field must be a whole number above 0`,
        );
      }
      step = Number(stepText);
    }

    let low = spec.min;
    let high = spec.max;
    if (range !== '*') {
      const [lowText, highText, rest] = range.split('-');
      if (lowText === undefined || rest !== undefined)
        fail(expression, `${spec.name} "${range}" is malformed`);
      low = parseValue(lowText, spec, expression);
      // "5/15" means from 5 to the end in steps of 15, as in Vixie cron.
      high =
        highText !== undefined
          ? parseValue(highText, spec, expression)
          : stepText !== undefined
            ? spec.max
            : low;
      if (high < low) fail(expression, `${spec.name} range "${range}" runs backwards`);
    }

    for (let value = low; value <= high; value += step) values.add(value);
  }
  return values;
}

/** Parse a five-field cron expression; throws CronError naming the value and the expected form. */
export function parseCron(expression: string): CronSchedule {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5)
    fail(expression, `expected 5 fields, found ${fields[0] === '' ? 0 : fields.length}`);

  const [minutes, hours, daysOfMonth, months, daysOfWeek] = fields.map((field, index) =>
    parseField(field, FIELDS[index]!, expression),
  ) as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>];
  if (daysOfWeek.delete(7)) daysOfWeek.add(0);

  const schedule: CronSchedule = {
    source: expression.trim(),
    minutes,
    hours,
    daysOfMonth,
    months,
    daysOfWeek,
    domRestricted: fields[2] !== '*',
    dowRestricted: fields[4] !== '*',
  };

  // Day 30 of February and the like: an expression that never fires is a typo.
  if (nextCronTime(schedule, new Date(Date.UTC(2000, 0, 1)), 'utc') === undefined) {
    fail(expression, 'it matches no date (check the day-of-month and month fields)');
  }
  return schedule;
}

/** Parse a daily time "HH:MM" (24-hour clock) into a cron schedule. */
export function parseDailyTime(text: string): CronSchedule {
  const match = /^(\d{1,2}):(\d{2})$/.exec(text.trim());
  const hour = Number(match?.[1]);
  const minute = Number(match?.[2]);
  if (!match || hour > 23 || minute > 59) {
    throw new CronError(
      `invalid daily time "${text}": use "HH:MM" on a 24-hour clock, such as "03:30"`,
    );
  }
  return parseCron(`${minute} ${hour} * * *`);
}

/** Parse restartAt: "HH:MM" when it has a colon, a cron expression otherwise. */
export function parseRestartAt(text: string): CronSchedule {
  return /^\s*\d{1,2}:\d{2}\s*$/.test(text) ? parseDailyTime(text) : parseCron(text);
}

interface Parts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  weekday: number;
}

function partsOf(date: Date, zone: TimeZoneMode): Parts {
  return zone === 'utc'
    ? {
        year: date.getUTCFullYear(),
        month: date.getUTCMonth() + 1,
        day: date.getUTCDate(),
        hour: date.getUTCHours(),
        minute: date.getUTCMinutes(),
        weekday: date.getUTCDay(),
      }
    : {
        year: date.getFullYear(),
        month: date.getMonth() + 1,
        day: date.getDate(),
        hour: date.getHours(),
        minute: date.getMinutes(),
        weekday: date.getDay(),
      };
}

// Overflowing fields roll over (day 32 is the 1st of the next month), in either zone.
function dateOf(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  zone: TimeZoneMode,
): Date {
  return zone === 'utc'
    ? new Date(Date.UTC(year, month - 1, day, hour, minute))
    : new Date(year, month - 1, day, hour, minute);
}

function dayMatches(schedule: CronSchedule, parts: Parts): boolean {
  const dom = schedule.daysOfMonth.has(parts.day);
  const dow = schedule.daysOfWeek.has(parts.weekday);
  if (schedule.domRestricted && schedule.dowRestricted) return dom || dow;
  return dom && dow;
}

// Eight years always include a 29 February, the rarest day a schedule can ask for.
const SEARCH_LIMIT_MS = 8 * 366 * 86_400_000;

/**
 * Find the first time strictly after `after` that matches, to the minute, or
 * undefined when none comes within eight years. In local time a time that a
 * DST change skips runs at the shifted time the Date constructor gives
 * (02:30 becomes 03:30), and a time that repeats runs once.
 */
export function nextCronTime(
  schedule: CronSchedule,
  after: Date,
  zone: TimeZoneMode,
): Date | undefined {
  const startParts = partsOf(after, zone);
  let candidate = dateOf(
    startParts.year,
    startParts.month,
    startParts.day,
    startParts.hour,
    startParts.minute + 1,
    zone,
  );
  const limit = after.getTime() + SEARCH_LIMIT_MS;

  // Each step moves to the next month, day, hour or minute; the count bound only guards against a bug.
  for (let steps = 0; candidate.getTime() <= limit && steps < 1_000_000; steps++) {
    const parts = partsOf(candidate, zone);
    if (!schedule.months.has(parts.month)) {
      candidate = dateOf(parts.year, parts.month + 1, 1, 0, 0, zone);
    } else if (!dayMatches(schedule, parts)) {
      candidate = dateOf(parts.year, parts.month, parts.day + 1, 0, 0, zone);
    } else if (!schedule.hours.has(parts.hour)) {
      candidate = dateOf(parts.year, parts.month, parts.day, parts.hour + 1, 0, zone);
    } else if (!schedule.minutes.has(parts.minute)) {
      candidate = dateOf(parts.year, parts.month, parts.day, parts.hour, parts.minute + 1, zone);
    } else if (candidate.getTime() > after.getTime()) {
      return candidate;
    } else {
      // A DST fall-back can map the next local minute to an earlier instant.
      candidate = new Date(candidate.getTime() + 60_000);
    }
  }
  return undefined;
}
