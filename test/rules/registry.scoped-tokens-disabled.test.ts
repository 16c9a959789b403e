import { describe, expect, it } from 'vitest';
import type { TokenSnapshot } from '../../shared/domain/snapshots.js';
import { evaluateRules } from '../../shared/rules/evaluate.js';
import { registryScopedTokensDisabled as rule } from '../../shared/rules/registry.scoped-tokens-disabled.js';
import { aRegistry, ctx, daysAgo } from './builders.js';

const registry = aRegistry();
const aToken = (o: Partial<TokenSnapshot> = {}): TokenSnapshot => ({
  name: 'partner-pull',
  status: 'enabled',
  scopeMap: 'partner-readonly',
  creationDate: daysAgo(200),
  passwords: [{ name: 'password1', creationTime: daysAgo(200) }],
  ...o,
});
const run = (token: TokenSnapshot) => rule.evaluate({ registry, token }, ctx());

describe('registry.scoped-tokens-disabled', () => {
  it('runs nightly on every token of a registry, in the baseline profile', () => {
    expect(rule).toMatchObject({ target: 'registryToken', modes: ['nightly'], severity: 'medium' });
    expect(rule.profile).toBeUndefined();
  });

  it('fails an enabled token, naming its scope map, creation date and password expiries (never a value)', () => {
    const e = run(aToken({ passwords: [{ name: 'password1', creationTime: daysAgo(200) }, { name: 'password2', creationTime: daysAgo(10), expiry: daysAgo(-80) }] }));
    expect(e).toMatchObject({ status: 'fail', message: 'token partner-pull is enabled (scope map partner-readonly): a shared user name and password outside Microsoft Entra ID' });
    expect(e.evidence).toEqual({
      token: 'partner-pull', status: 'enabled', scopeMap: 'partner-readonly', creationDate: daysAgo(200),
      passwords: [{ name: 'password1', creationTime: daysAgo(200), expiry: null }, { name: 'password2', creationTime: daysAgo(10), expiry: daysAgo(-80) }],
    });
    expect('severity' in e).toBe(false);
  });

  it('reports an enabled token without a usable password as low (nobody can sign in until one is generated)', () => {
    for (const passwords of [[], [{ name: 'password1', creationTime: daysAgo(120), expiry: daysAgo(30) }]]) {
      const e = run(aToken({ passwords }));
      expect(e).toMatchObject({ status: 'fail', severity: 'low' });
      expect(e.message).toMatch(/without a usable password/);
    }
  });

  it('passes a disabled token (any case ARM sends)', () => {
    expect(run(aToken({ status: 'disabled' })).status).toBe('pass');
    expect(run(aToken({ status: 'Disabled' })).status).toBe('pass');
  });

  it('is inconclusive, never a pass, for a token without a status or with one it does not know', () => {
    for (const status of [undefined, 'suspended']) {
      const token = aToken();
      if (status === undefined) delete token.status;
      else token.status = status;
      expect(run(token)).toMatchObject({ status: 'not_applicable', conclusive: false });
    }
  });

  it('gives one result per token, each with the token as its subject under the registry', () => {
    const results = evaluateRules([rule], 'registryToken', [{ registry, token: aToken() }, { registry, token: aToken({ name: 'Old-Reader', status: 'disabled' }) }], ctx());
    expect(results.map((r) => [r.subject, r.status])).toEqual([
      [`${registry.id.toLowerCase()}/tokens/partner-pull`, 'fail'],
      [`${registry.id.toLowerCase()}/tokens/old-reader`, 'pass'],
    ]);
    for (const r of results) expect(r).toMatchObject({ resourceId: registry.id, scopeId: registry.id.toLowerCase(), registry: registry.loginServer });
  });
});
