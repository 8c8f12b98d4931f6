/**
 * Include and ignore patterns for the file watcher, matched against paths
 * relative to the watched path, with "/" as the separator.
 *
 * Node 20 has no stable glob matcher (path.matchesGlob is experimental
 * there), so patterns compile to regular expressions here:
 *
 * - `*` matches any run of characters except "/", `?` one such character;
 * - `**` as a whole segment matches zero or more segments;
 * - `[abc]`, `[a-z]` and `[!abc]` (or `[^abc]`) match one character of a set;
 * - `\` makes the next character literal;
 * - a pattern without "/" matches at any depth (`*.pyc` is `**` + `/*.pyc`);
 * - a pattern ending in "/" or "/**" matches the directory and all below it;
 * - a leading "/" or "./" anchors the pattern at the base directory.
 *
 * Wildcards match names that start with a dot too, so `*` covers `.env`.
 */

/** One compiled pattern. */
export interface CompiledGlob {
  /** The pattern as written. */
  glob: string;
  /** Anchored at both ends. */
  regex: RegExp;
}

const REGEX_SPECIALS = new Set([
  '.',
  '+',
  '*',
  '?',
  '^',
  '$',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  '|',
  '\\',
  '/',
]);

/** Escape one literal character for a regular expression. */
function escapeChar(char: string): string {
  return REGEX_SPECIALS.has(char) ? `\\${char}` : char;
}

/** Escape one character inside a bracket expression. */
function escapeClassChar(char: string): string {
  return '\\][^-'.includes(char) ? `\\${char}` : char;
}

/**
 * Translate a bracket expression that starts at `start` (the "[").
 * Returns the regex class and the index after the closing "]", or undefined
 * when the bracket is not closed, in which case "[" is a literal character.
 */
function translateClass(glob: string, start: number): { source: string; end: number } | undefined {
  let index = start + 1;
  let negated = false;
  if (glob[index] === '!' || glob[index] === '^') {
    negated = true;
    index++;
  }

  let body = '';
  let first = true;
  while (index < glob.length) {
    const char = glob[index]!;

    // A "]" right after the opening bracket is a member, as in POSIX globs.
    if (char === ']' && !first) {
      // A class never matches the separator, so "[!a]" cannot cross segments.
      const source = negated ? `[^/${body}]` : `[${body}]`;
      return { source, end: index + 1 };
    }

    if (char === '\\' && index + 1 < glob.length) {
      body += escapeClassChar(glob[index + 1]!);
      index += 2;
    } else if (char === '-' && !first && glob[index + 1] !== ']') {
      body += '-';
      index++;
    } else {
      body += escapeClassChar(char);
      index++;
    }
    first = false;
  }
  return undefined;
}

/** Translate one path segment (no "/" inside, not "**"). */
function translateSegment(segment: string): string {
  let source = '';
  let index = 0;
  while (index < segment.length) {
    const char = segment[index]!;

    if (char === '*') {
      // Consecutive stars inside a segment behave like one.
      while (segment[index + 1] === '*') index++;
      source += '[^/]*';
      index++;
    } else if (char === '?') {
      source += '[^/]';
      index++;
    } else if (char === '[') {
      const translated = translateClass(segment, index);
      if (translated) {
        source += translated.source;
        index = translated.end;
      } else {
        source += '\\[';
        index++;
      }
    } else if (char === '\\' && index + 1 < segment.length) {
      source += escapeChar(segment[index + 1]!);
      index += 2;
    } else {
      source += escapeChar(char);
      index++;
    }
  }
  return source;
}

/** Split a pattern into segments at "/" characters that a backslash does not escape. */
function splitSegments(glob: string): string[] {
  const segments: string[] = [];
  let current = '';
  for (let index = 0; index < glob.length; index++) {
    const char = glob[index]!;
    if (char === '\\' && index + 1 < glob.length) {
      current += char + glob[index + 1]!;
      index++;
    } else if (char === '/') {
      segments.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  segments.push(current);
  return segments;
}

/**
 * Rewrite a pattern into its canonical form: anchored patterns lose their
 * leading "/" or "./", patterns without "/" get a leading `**` segment, and
 * a trailing "/" becomes a trailing `**` segment.
 */
function normalizeGlob(glob: string): string {
  let pattern = glob.trim();
  if (pattern === '') throw new Error('invalid watch pattern "": a pattern cannot be empty');

  let anchored = false;
  while (pattern.startsWith('./')) {
    pattern = pattern.slice(2);
    anchored = true;
  }
  if (pattern.startsWith('/')) {
    pattern = pattern.replace(/^\/+/, '');
    anchored = true;
  }
  if (pattern.endsWith('/')) pattern = `${pattern.replace(/\/+$/, '')}/**`;
  if (pattern === '' || pattern === '**') return '**';

  // "*.pyc" means any file of that name pattern, at any depth, as in .gitignore.
  const hasSeparator = splitSegments(pattern).length > 1;
  if (!anchored && !hasSeparator) pattern = `**/${pattern}`;
  return pattern;
}

/** Compile one include or ignore pattern. Throws on an empty pattern. */
export function compileGlob(glob: string): CompiledGlob {
  const pattern = normalizeGlob(glob);
  const segments = splitSegments(pattern).filter((segment, index, all) => {
    // "a//b" and repeated "**" segments add nothing.
    if (segment === '' && index > 0 && index < all.length - 1) return false;
    return !(segment === '**' && all[index - 1] === '**');
  });

  let source = '';
  for (let index = 0; index < segments.length; index++) {
    const segment = segments[index]!;
    const isFirst = index === 0;
    const isLast = index === segments.length - 1;

    if (segment === '**') {
      if (isFirst && isLast) source += '.*';
      else if (isFirst) source += '(?:.*/)?';
      else if (isLast) source += '(?:/.*)?';
      else source += '/(?:.*/)?';
      continue;
    }

    // After a leading or middle "**" the separator is already part of its group.
    const previousIsGlobstar = index > 0 && segments[index - 1] === '**';
    if (!isFirst && !previousIsGlobstar) source += '/';
    source += translateSegment(segment);
  }

  return { glob, regex: new RegExp(`^${source}$`) };
}

/** Convert a platform path (backslashes on Windows) to the "/" form patterns use. */
export function toPatternPath(relativePath: string): string {
  return relativePath.split('\\').join('/');
}

/**
 * Decides which changed paths matter. A path is ignored when it, or any
 * directory above it, matches an ignore pattern, so ignoring `build` also
 * ignores `build/x.js`. With include patterns, only paths that match one
 * of them count.
 */
export class PathFilter {
  readonly include: readonly CompiledGlob[];
  readonly ignore: readonly CompiledGlob[];
  /** All ignore patterns in one expression: one test per path instead of one per pattern. */
  private readonly ignoreAny: RegExp | undefined;
  private readonly includeAny: RegExp | undefined;

  constructor(include: readonly string[], ignore: readonly string[]) {
    this.include = include.map(compileGlob);
    this.ignore = ignore.map(compileGlob);
    this.ignoreAny = combine(this.ignore);
    this.includeAny = combine(this.include);
  }

  /** True when this path itself matches an ignore pattern; parent directories are not checked. */
  matchesIgnore(relativePath: string): boolean {
    return this.ignoreAny?.test(relativePath) ?? false;
  }

  /** True when the path (relative, "/"-separated) or one of its parent directories is ignored. */
  isIgnored(relativePath: string): boolean {
    if (!this.ignoreAny) return false;

    let end = relativePath.indexOf('/');
    while (end !== -1) {
      if (this.matchesIgnore(relativePath.slice(0, end))) return true;
      end = relativePath.indexOf('/', end + 1);
    }
    return this.matchesIgnore(relativePath);
  }

  /** True when a change of this path should trigger the watch action. */
  accepts(relativePath: string): boolean {
    if (this.isIgnored(relativePath)) return false;
    return this.includeAny?.test(relativePath) ?? true;
  }
}

function combine(patterns: readonly CompiledGlob[]): RegExp | undefined {
  if (patterns.length === 0) return undefined;
  return new RegExp(patterns.map((pattern) => `(?:${pattern.regex.source})`).join('|'));
}
