import type { EventBus, EventMap, EventName } from '../../src/events.js';

/** Poll until check returns something other than undefined or false, or fail after timeoutMs. */
export async function waitFor<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
  timeoutMs = 15_000,
  pollMs = 20,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (performance.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** One event as recorded, with the monotonic time it was emitted. */
export interface RecordedEvent<K extends EventName = EventName> {
  name: K;
  payload: EventMap[K];
  at: number;
}

/** Records every event of a bus with performance.now() timestamps. */
export class EventRecorder {
  readonly events: RecordedEvent[] = [];
  private readonly removers: Array<() => void> = [];

  constructor(bus: EventBus, names: EventName[]) {
    for (const name of names) {
      this.removers.push(
        bus.on(name, (payload) => this.events.push({ name, payload, at: performance.now() })),
      );
    }
  }

  of<K extends EventName>(name: K): Array<RecordedEvent<K>> {
    return this.events.filter((event): event is RecordedEvent<K> => event.name === name);
  }

  /** Wait until `count` events of this name matched the predicate; returns them. */
  waitFor<K extends EventName>(
    name: K,
    predicate: (payload: EventMap[K]) => boolean = () => true,
    count = 1,
    timeoutMs = 15_000,
  ): Promise<Array<RecordedEvent<K>>> {
    return waitFor(
      () => {
        const matched = this.of(name).filter((event) => predicate(event.payload));
        return matched.length >= count ? matched : undefined;
      },
      `${count} "${name}" event(s)`,
      timeoutMs,
      10,
    );
  }

  dispose(): void {
    for (const remove of this.removers) remove();
  }
}
