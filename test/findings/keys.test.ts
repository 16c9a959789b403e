import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeKey, encodeKey, findingId, isValidTableKey, partitionKeyFor } from '../../shared/findings/keys.js';

describe('table keys', () => {
  it('encodes ARM ids into valid, readable, reversible keys', () => {
    const id = '/subscriptions/0000/resourceGroups/rg-acr/providers/Microsoft.ContainerRegistry/registries/contoso';
    const key = partitionKeyFor(id);
    expect(isValidTableKey(key)).toBe(true);
    expect(key).toContain('registries%2Fcontoso');
    expect(decodeKey(key)).toBe(id.toLowerCase());
  });

  it('keeps hostile repository names and tags out of the key syntax', () => {
    for (const hostile of ['team/app#frag?x=1', 'a\\b', 'tag\r\nBcc: x', '\u0000nul', '%2F already encoded', 'ünïcødé/🙂']) {
      const key = encodeKey(hostile);
      expect(isValidTableKey(key), hostile).toBe(true);
      expect(decodeKey(key)).toBe(hostile);
    }
  });

  it('property: any string encodes to a valid key that decodes back (or a hash when too long)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 600 }), (s) => {
        fc.pre(s.length > 0);
        const key = encodeKey(s);
        expect(isValidTableKey(key)).toBe(true);
        const back = decodeKey(key);
        if (back !== undefined) expect(back).toBe(s);
        else expect(key).toMatch(/^h-[0-9a-f]{64}$/);
      }),
      { numRuns: 500 },
    );
  });

  it('property: distinct inputs never share a key', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), fc.string({ unit: 'binary', maxLength: 80 }), (a, b) => {
        fc.pre(a !== b);
        expect(encodeKey(a)).not.toBe(encodeKey(b));
      }),
      { numRuns: 500 },
    );
  });

  it('finding ids are deterministic and ignore the case of ARM ids only', () => {
    const a = findingId('registry.approved', '/subscriptions/X/RG/r', 'r');
    expect(findingId('registry.approved', '/subscriptions/x/rg/R', 'r')).toBe(a);
    expect(findingId('registry.approved', '/subscriptions/x/rg/r', 'R')).not.toBe(a);
    expect(findingId('registry.admin-user-disabled', '/subscriptions/x/rg/r', 'r')).not.toBe(a);
    expect(a).toMatch(/^[0-9a-f]{32}$/);
  });
});
