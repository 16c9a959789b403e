/**
 * Glob matching never backtracks (issue 10, item 6): the worst patterns against long, hostile inputs
 * return at once and correctly, the work is bounded by (n + 1) x (m + 1) steps, and the matcher agrees
 * with the regexes it replaced on small random inputs.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compileImagePattern, compileRegistryPattern, matchGlob } from '../../shared/domain/patterns.js';
import { ruleParams, staleLimitFor } from '../../shared/rules/params.js';

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** The regexes the globs used to be compiled to: the reference semantics. */
const reference = {
  any: (p: string, flags = '') => new RegExp(`^${p.split('*').map(escapeRegex).join('.*')}$`, flags),
  registry: (pattern: string) => {
    const [host, port] = pattern.split(':');
    const source = host!.split('.').map((l) => l.split('*').map(escapeRegex).join('[a-z0-9-]*')).join('\\.');
    return new RegExp(`^${source}${port ? `:${port}` : ''}$`);
  },
};

const STARS = 'a*a*a*a*a*a*a*a*a*a*b';

describe('glob matching is linear-time (no backtracking)', () => {
  it('many stars against thousands of characters: the right answer, within (n+1)(m+1) steps', () => {
    const text = 'a'.repeat(5000);
    for (const [t, expected] of [[text, false], [`${text}b`, true], [`${text}c`, false], [`b${text}`, false]] as const) {
      const r = matchGlob(STARS, t);
      expect(r.matched, t.slice(-3)).toBe(expected);
      expect(r.steps).toBeLessThanOrEqual((t.length + 1) * (STARS.length + 1));
    }
    // A pattern of 200 stars costs no more than its length times the text.
    const many = `${'a*'.repeat(200)}b`;
    const r = matchGlob(many, text);
    expect(r.matched).toBe(false);
    expect(r.steps).toBeLessThanOrEqual((text.length + 1) * (many.length + 1));
  });

  it('a registry pattern with many stars in one label against a 4,000-character label', () => {
    const m = compileRegistryPattern('a*a*a*a*a*a*a*a*a*a*b.azurecr.io');
    expect(m.matches(`${'a'.repeat(4000)}.azurecr.io`)).toBe(false);
    expect(m.matches(`${'a'.repeat(4000)}b.azurecr.io`)).toBe(true);
    expect(m.matches(`${'a'.repeat(4000)}-b.azurecr.io`)).toBe(true);
    expect(m.matches(`${'a'.repeat(2000)}.${'a'.repeat(2000)}b.azurecr.io`)).toBe(false); // `*` stays in one label
  });

  it('an image pattern with many stars against a 5,000-character repository', () => {
    const m = compileImagePattern(`mcr.microsoft.com/${STARS}`);
    expect(m.matches(`mcr.microsoft.com/${'a/'.repeat(2500)}`)).toBe(false);
    expect(m.matches(`mcr.microsoft.com/${'a/'.repeat(2500)}b`)).toBe(true);
  });

  it('stale overrides with many stars against a 5,000-character repository', () => {
    const params = ruleParams({ staleAfterDays: 90, staleOverrides: [{ repository: STARS, days: 7 }] });
    expect(staleLimitFor(params, 'a'.repeat(5000))).toBe(90);
    expect(staleLimitFor(params, `${'a'.repeat(5000)}b`)).toBe(7);
  });
});

describe('the glob matcher agrees with the regexes it replaced', () => {
  // Small alphabets so that matches are frequent; case pairs, line terminators and special letters
  // (ſ, K, ß, İ: where case-insensitive regex matching is subtle) included.
  const patternChars = ['a', 'b', '*', '*', '.', '/', '-', 'A', '\n', 'k', 'ſ', 'ß', 'İ', 'i', '\u212a', '('];
  const textChars = ['a', 'b', '.', '/', '-', 'A', 'B', '\n', '\r', '\u2028', 'k', 'K', 's', 'S', 'ſ', 'ß', 'i', 'I', 'İ', '\u212a', '(', '*'];
  const pattern = fc.string({ unit: fc.constantFrom(...patternChars), maxLength: 10 });
  const text = fc.string({ unit: fc.constantFrom(...textChars), maxLength: 14 });

  it('any-run globs (image repositories, stale overrides): `*` spans anything but a line terminator', () => {
    fc.assert(fc.property(pattern, text, (p, t) => matchGlob(p, t).matched === reference.any(p).test(t)), { numRuns: 5000 });
  });

  it('case-insensitive globs (waivers), exactly like the `i` flag', () => {
    fc.assert(fc.property(pattern, text, (p, t) => matchGlob(p, t, { caseInsensitive: true }).matched === reference.any(p, 'i').test(t)), { numRuns: 5000 });
  });

  it('registry patterns: `*` inside one label only, optional port', () => {
    const label = fc.string({ unit: fc.constantFrom('a', 'b', '-', '*', '0'), minLength: 1, maxLength: 5 })
      .filter((l) => /^[a-z0-9*]([a-z0-9*-]*[a-z0-9*])?$/.test(l));
    const registryPattern = fc
      .tuple(fc.array(label, { minLength: 0, maxLength: 3 }), fc.option(fc.constantFrom('443', '5000'), { nil: undefined }))
      .map(([labels, port]) => `${[...labels, 'azurecr', 'io'].join('.')}${port ? `:${port}` : ''}`);
    const host = fc.string({ unit: fc.constantFrom('a', 'b', '-', '0', '.', 'A', ':', '/', '_'), maxLength: 10 })
      .chain((prefix) => fc.constantFrom(`${prefix}azurecr.io`, `${prefix}.azurecr.io`, `${prefix}.azurecr.io:443`, `${prefix}.azurecr.io:5000`, prefix));
    fc.assert(
      fc.property(registryPattern, host, (p, h) => compileRegistryPattern(p).matches(h) === reference.registry(p).test(h.toLowerCase())),
      { numRuns: 5000 },
    );
  });
});
