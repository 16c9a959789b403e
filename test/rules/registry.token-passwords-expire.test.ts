import { describe, expect, it } from 'vitest';
import type { TokenSnapshot } from '../../shared/domain/snapshots.js';
import { registryTokenPasswordsExpire as rule } from '../../shared/rules/registry.token-passwords-expire.js';
import { aRegistry, ctx, daysAgo } from './builders.js';

const registry = aRegistry();
const aToken = (passwords: TokenSnapshot['passwords'], o: Partial<TokenSnapshot> = {}): TokenSnapshot => ({
  name: 'ci-push', status: 'enabled', scopeMap: 'ci-push', creationDate: daysAgo(300), passwords, ...o,
});
/** A password created `created` days ago, valid `valid` days (no expiry when undefined). */
const pw = (created: number, valid?: number, name = 'password1') => ({ name, creationTime: daysAgo(created), ...(valid !== undefined ? { expiry: daysAgo(created - valid) } : {}) });
const run = (token: TokenSnapshot, params = {}) => rule.evaluate({ registry, token }, ctx(params));

describe('registry.token-passwords-expire', () => {
  it('runs nightly on tokens, baseline, with a 90-day default limit', () => {
    expect(rule).toMatchObject({ target: 'registryToken', modes: ['nightly'] });
    expect(run(aToken([pw(10, 90)])).evidence).toMatchObject({ maxDays: 90 });
  });

  it.each([
    { what: 'valid for exactly the limit', passwords: [pw(20, 90)], status: 'pass' },
    { what: 'two passwords within the limit', passwords: [pw(20, 30), pw(5, 60, 'password2')], status: 'pass' },
    { what: 'a password that never expires', passwords: [pw(200)], status: 'fail' },
    { what: 'valid one day too long', passwords: [pw(20, 91)], status: 'fail' },
    { what: 'expired while the token is enabled', passwords: [pw(120, 90)], status: 'fail' },
    { what: 'one good and one never-expiring password', passwords: [pw(20, 30), pw(5, undefined, 'password2')], status: 'fail' },
  ])('$what -> $status', ({ passwords, status }) => {
    expect(run(aToken(passwords)).status).toBe(status);
  });

  it('says what is wrong with each password, in evidence that does not move with time', () => {
    const e = run(aToken([pw(200), pw(120, 90, 'password2')]));
    expect(e).toMatchObject({ status: 'fail', message: 'token ci-push is enabled with password1 never expires, password2 has expired (the token is still enabled)' });
    expect(e.evidence).toMatchObject({ checks: [{ name: 'password1', verdict: 'never-expires' }, { name: 'password2', verdict: 'expired', validDays: 90 }] });
    // The same facts a day later give the same evidence (no age in it).
    expect(rule.evaluate({ registry, token: aToken([pw(200), pw(120, 90, 'password2')]) }, ctx({}, new Date(Date.now() + 86_400_000))).evidence).toEqual(e.evidence);
  });

  it('honours AUDITOR_TOKEN_MAX_DAYS (tokenMaxDays)', () => {
    expect(run(aToken([pw(20, 180)]), { tokenMaxDays: 365 }).status).toBe('pass');
    expect(run(aToken([pw(20, 180)]), { tokenMaxDays: 30 })).toMatchObject({ status: 'fail', message: 'token ci-push is enabled with password1 is valid for 180 days (limit 30)' });
  });

  it('measures from the token creation when the password has no creation time', () => {
    expect(run(aToken([{ name: 'password1', expiry: daysAgo(-60) }], { creationDate: daysAgo(10) })).status).toBe('pass');
    expect(run(aToken([{ name: 'password1', expiry: daysAgo(-60) }], { creationDate: daysAgo(300) })).status).toBe('fail');
  });

  it('is not applicable to a disabled token, nor to a token without passwords (conclusive)', () => {
    expect(run(aToken([pw(200)], { status: 'disabled' }))).toMatchObject({ status: 'not_applicable', conclusive: true });
    expect(run(aToken([]))).toMatchObject({ status: 'not_applicable', conclusive: true });
  });

  it('is inconclusive, never a pass, when a date cannot be read or the status is unknown', () => {
    expect(run(aToken([{ name: 'password1', creationTime: daysAgo(5), expiry: 'next tuesday' }]))).toMatchObject({ status: 'not_applicable', conclusive: false });
    const noDates = aToken([{ name: 'password1', expiry: daysAgo(-60) }]);
    delete noDates.creationDate;
    expect(run(noDates)).toMatchObject({ status: 'not_applicable', conclusive: false });
    expect(run(aToken([pw(200)], { status: 'suspended' }))).toMatchObject({ status: 'not_applicable', conclusive: false });
  });
});
