/**
 * Allow-list patterns. Registry patterns match a login server label by label: `*` stands for any
 * run of characters inside ONE label (`contoso*.azurecr.io` matches `contosoprod.azurecr.io`, not
 * `contoso.evil.azurecr.io`). Image patterns match `registry/repository`: `*` in the repository part
 * matches any run of characters, `/` included (`mcr.microsoft.com/azurelinux/*`).
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

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
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
  const source = labels.map((l) => l.split('*').map(escapeRegex).join('[a-z0-9-]*')).join('\\.');
  const re = new RegExp(`^${source}${port ? `:${port}` : ''}$`);
  return { pattern, matches: (loginServer) => re.test(loginServer.toLowerCase()) };
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
  const repoRe = new RegExp(`^${repo.split('*').map(escapeRegex).join('.*')}$`);
  return {
    pattern,
    matches(ref) {
      const i = ref.indexOf('/');
      if (i <= 0) return false;
      return registry.matches(ref.slice(0, i)) && repoRe.test(ref.slice(i + 1));
    },
  };
}
