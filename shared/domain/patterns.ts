/**
 * Allow-list patterns. Registry patterns match a login server label by label: `*` stands for any
 * run of characters inside ONE label (`contoso*.azurecr.io` matches `contosoprod.azurecr.io`, not
 * `contoso.evil.azurecr.io`). Image patterns match `registry/repository`: `*` in the repository part
 * matches any run of characters, `/` included (`mcr.microsoft.com/azurelinux/*`).
 *
 * Every glob in the project (these, waivers, stale overrides, route registries) is matched by
 * `matchGlob`: a non-backtracking simulation of the pattern as an automaton, at most
 * (text length + 1) x (pattern length + 1) steps whatever the pattern, because the text (repository
 * names, image hosts, resource ids) comes from outside and a backtracking regex built from a glob with
 * many stars takes exponential time on it.
 */

const LABEL_PATTERN = /^[a-z0-9*]([a-z0-9*-]*[a-z0-9*])?$/;

export class PatternError extends Error {
  constructor(
    readonly pattern: string,
    readonly reason: string,
  ) {
    super(`invalid pattern ${JSON.stringify(pattern)}: ${reason}`);
    this.name = 'PatternError';
  }
}

/** What a glob's `*` may match, and how characters compare. */
export interface GlobOptions {
  /** The characters one `*` may span (default: any but a line terminator, like a regex `.`). */
  starMatches?: (codeUnit: number) => boolean;
  /** Compare case-insensitively, exactly as a regex with the `i` flag (and no `u` flag) does. */
  caseInsensitive?: boolean;
}

export interface GlobMatch {
  matched: boolean;
  /** Work done: one step per (text position, live pattern state); at most (n + 1) x (m + 1). */
  steps: number;
}

/** Not a line terminator: what a regex `.` matches without the `s` flag. */
export function notLineTerminator(c: number): boolean {
  return c !== 0x0a && c !== 0x0d && c !== 0x2028 && c !== 0x2029;
}

/** ECMAScript `Canonicalize` for `i` without `u` (ES2024 22.2.2.7.3): per UTF-16 code unit. */
function canonicalize(c: number): number {
  if (c < 0x80) return c >= 0x61 && c <= 0x7a ? c - 0x20 : c;
  const u = String.fromCharCode(c).toUpperCase();
  if (u.length !== 1) return c;
  const cu = u.charCodeAt(0);
  return cu < 0x80 ? c : cu;
}

/**
 * Matches `text` against `pattern` (`*` = any run of characters `starMatches` allows, everything else
 * literal, whole text). A set-of-states simulation (Thompson): each text character advances every live
 * position of the pattern at once, so there is no backtracking and the cost is O(n x m) at worst.
 */
export function matchGlob(pattern: string, text: string, options: GlobOptions = {}): GlobMatch {
  const star = options.starMatches ?? notLineTerminator;
  const fold = options.caseInsensitive ? canonicalize : (c: number) => c;
  // Tokens: -1 is a star (consecutive stars collapse: `**` matches what `*` matches), else a code unit.
  const tokens: number[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charCodeAt(i);
    if (c === 0x2a) {
      if (tokens[tokens.length - 1] !== -1) tokens.push(-1);
    } else tokens.push(fold(c));
  }
  const m = tokens.length;
  let live = new Uint8Array(m + 1);
  let next = new Uint8Array(m + 1);
  // A star may match nothing: a live position in front of a star is also live after it.
  const close = (set: Uint8Array) => {
    for (let j = 0; j < m; j++) if (set[j] && tokens[j] === -1) set[j + 1] = 1;
  };
  live[0] = 1;
  close(live);
  let steps = 0;
  for (let i = 0; i < text.length; i++) {
    const raw = text.charCodeAt(i);
    const c = fold(raw);
    next.fill(0);
    let any = false;
    for (let j = 0; j < m; j++) {
      if (!live[j]) continue;
      steps++;
      const t = tokens[j]!;
      if (t === -1) {
        if (star(raw)) {
          next[j] = 1;
          any = true;
        }
      } else if (t === c) {
        next[j + 1] = 1;
        any = true;
      }
    }
    if (!any) return { matched: false, steps };
    close(next);
    [live, next] = [next, live];
  }
  return { matched: live[m] === 1, steps };
}

/** A compiled glob: `matches(text)` with the options fixed. */
export function glob(pattern: string, options: GlobOptions = {}): (text: string) => boolean {
  return (text) => matchGlob(pattern, text, options).matched;
}

/** Inside one label of a login server: a-z, 0-9 and '-'. */
function labelChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d;
}

export interface RegistryMatcher {
  readonly pattern: string;
  matches(loginServer: string): boolean;
}

/** Compiles a login-server pattern; throws `PatternError` naming what is wrong. */
export function compileRegistryPattern(raw: string): RegistryMatcher {
  const pattern = raw.trim().toLowerCase();
  if (!pattern) throw new PatternError(raw, 'empty');
  const [host, port, ...extra] = pattern.split(':');
  if (extra.length || (port !== undefined && !/^[0-9]{1,5}$/.test(port))) throw new PatternError(raw, 'a port must be digits');
  const labels = host!.split('.');
  if (labels.length < 2 && host !== 'localhost') throw new PatternError(raw, 'a login server has at least two labels (name.azurecr.io)');
  for (const label of labels) {
    if (!LABEL_PATTERN.test(label)) throw new PatternError(raw, `label ${JSON.stringify(label)} may hold only a-z, 0-9, '-' and '*'`);
  }
  if (labels.slice(-2).some((l) => l.includes('*'))) {
    throw new PatternError(raw, 'the last two labels (the domain) must be literal, e.g. *.azurecr.io');
  }
  // `*` never spans '.' or ':', so it stays inside one label of the host.
  const matches = glob(pattern, { starMatches: labelChar });
  return { pattern, matches: (loginServer) => matches(loginServer.toLowerCase()) };
}

export interface ImageMatcher {
  readonly pattern: string;
  /** Matches `registry/repository` (no tag, no digest). */
  matches(registryAndRepository: string): boolean;
}

export function compileImagePattern(raw: string): ImageMatcher {
  const pattern = raw.trim();
  const slash = pattern.indexOf('/');
  if (slash <= 0) throw new PatternError(raw, 'an image pattern is registry/repository, e.g. mcr.microsoft.com/azurelinux/*');
  const registry = compileRegistryPattern(pattern.slice(0, slash));
  const repo = pattern.slice(slash + 1);
  if (!/^[a-z0-9*._/-]+$/.test(repo)) throw new PatternError(raw, 'the repository part may hold only a-z, 0-9, . _ - / and *');
  const repoMatches = glob(repo);
  return {
    pattern,
    matches(ref) {
      const i = ref.indexOf('/');
      if (i <= 0) return false;
      return registry.matches(ref.slice(0, i)) && repoMatches(ref.slice(i + 1));
    },
  };
}
