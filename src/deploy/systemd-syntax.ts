/**
 * Quoting and validation of values written into systemd unit files. Unit
 * files expand "%" specifiers everywhere and "$VAR" in command lines, and
 * split command lines on whitespace, so every value passes through here.
 */

/** A problem with one generator option, naming the value and the fix. */
export class UnitOptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnitOptionError';
  }
}

const PLAIN_ARG = /^[A-Za-z0-9_@+=:,./-]+$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const USER_NAME = /^[a-z_][a-z0-9_-]{0,30}$/;
const DIRECTORY_NAME = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/;
const MEMORY_SIZE = /^(\d+(\.\d+)?[KMGT]?|infinity)$/;
const CPU_QUOTA = /^\d+%$/;

/** Reject line breaks, which would end the setting and start another. */
export function singleLine(label: string, value: string): string {
  if (/[\r\n]/.test(value)) {
    throw new UnitOptionError(
      `${label} ${JSON.stringify(value)} contains a line break: use a single line`,
    );
  }
  return value;
}

/** Escape "%" so systemd does not read it as a specifier such as %h or %n. */
export function escapeSpecifiers(value: string): string {
  return value.replaceAll('%', '%%');
}

/**
 * Quote one ExecStart= argument: "%" and "$" are doubled (specifier and variable
 * expansion), and anything beyond a plain word is double-quoted.
 */
export function quoteExecArg(arg: string): string {
  singleLine('ExecStart argument', arg);
  const escaped = escapeSpecifiers(arg).replaceAll('$', () => '$$');
  if (arg !== '' && PLAIN_ARG.test(arg)) return escaped;
  return `"${escaped.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

/** Join the ExecStart= command line. The program must be an absolute path. */
export function execLine(argv: readonly string[]): string {
  const program = argv[0];
  if (program === undefined) {
    throw new UnitOptionError(
      'execStart is empty: pass the program and its arguments, such as ["/usr/bin/crashproof", "run"]',
    );
  }
  if (!program.startsWith('/')) {
    throw new UnitOptionError(
      `execStart program "${program}" is not an absolute path: systemd would search its own PATH, so pass the full path`,
    );
  }
  return argv.map(quoteExecArg).join(' ');
}

/** One Environment= assignment, quoted as a whole. */
export function environmentAssignment(name: string, value: string): string {
  if (!ENV_NAME.test(name)) {
    throw new UnitOptionError(
      `environment variable name "${name}" is invalid: use letters, digits and "_", not starting with a digit`,
    );
  }
  singleLine(`environment variable ${name}`, value);
  const escaped = escapeSpecifiers(`${name}=${value}`)
    .replaceAll('\\', '\\\\')
    .replaceAll('"', '\\"');
  return `"${escaped}"`;
}

export function checkUserName(user: string): string {
  if (!USER_NAME.test(user)) {
    throw new UnitOptionError(
      `user "${user}" is not a valid system user name: use lower-case letters, digits, "_" and "-", such as "tapo-camera-mcp"`,
    );
  }
  return user;
}

/** LogsDirectory= and StateDirectory= take names relative to /var/log and /var/lib. */
export function checkDirectoryName(label: string, name: string): string {
  if (!DIRECTORY_NAME.test(name) || name.split('/').some((part) => part === '.' || part === '..')) {
    throw new UnitOptionError(
      `${label} "${name}" must be a relative name such as "tapo-camera-mcp" (systemd puts it under /var/log or /var/lib)`,
    );
  }
  return name;
}

export function checkAbsolutePath(label: string, value: string): string {
  singleLine(label, value);
  const bare = value.replace(/^-/, '');
  if (!bare.startsWith('/') && !bare.startsWith('%')) {
    throw new UnitOptionError(
      `${label} "${value}" is not an absolute path: pass a path starting with "/"`,
    );
  }
  if (/\s/.test(value)) {
    throw new UnitOptionError(
      `${label} "${value}" contains whitespace, which systemd would split: pick a path without spaces`,
    );
  }
  return value;
}

export function checkMemorySize(value: string): string {
  if (!MEMORY_SIZE.test(value)) {
    throw new UnitOptionError(
      `memoryMax "${value}" is not a systemd size: use a number with K, M, G or T (1024-based), such as "2G"`,
    );
  }
  return value;
}

export function checkCpuQuota(value: string): string {
  if (!CPU_QUOTA.test(value)) {
    throw new UnitOptionError(
      `cpuQuota "${value}" is not a percentage: use "100%" per core, such as "200%" for two cores`,
    );
  }
  return value;
}
