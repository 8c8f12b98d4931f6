import { fileURLToPath } from 'node:url';

/** Directory of the real child programs the supervisor tests run. */
export const CHILDREN = fileURLToPath(new URL('../fixtures/children/', import.meta.url));

/** Absolute path of one child program, such as fixture('exit-with.mjs'). */
export function fixture(name: string): string {
  return `${CHILDREN}${name}`;
}

/** Build the command that runs a child program with this Node. */
export function nodeCommand(name: string, ...args: string[]): string[] {
  return [process.execPath, fixture(name), ...args];
}
