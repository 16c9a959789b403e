import { describe, expect, it } from 'vitest';
import { registryCmkEncrypted as rule } from '../../shared/rules/registry.cmk-encrypted.js';
import { ctx, registryFacts } from './builders.js';

describe('registry.cmk-encrypted', () => {
  it('is a strict-profile rule', () => expect(rule.profile).toBe('strict'));

  it.each([
    { sku: 'Premium', encryption: { status: 'enabled', keyVaultKey: true }, status: 'pass' },
    { sku: 'Premium', encryption: { status: 'enabled', keyVaultKey: false }, status: 'fail' },
    { sku: 'Premium', encryption: { status: 'disabled', keyVaultKey: false }, status: 'fail' },
    { sku: 'Premium', encryption: undefined, status: 'fail' },
    { sku: 'Premium', encryption: { status: 'rotating', keyVaultKey: true }, status: 'not_applicable' },
    { sku: 'Basic', encryption: { status: 'disabled', keyVaultKey: false }, status: 'not_applicable' },
  ])('$sku $encryption -> $status', ({ sku, encryption, status }) => {
    const e = rule.evaluate(registryFacts({ registry: { sku, ...(encryption ? { encryption } : {}) } }), ctx());
    expect(e.status).toBe(status);
    expect(e.evidence).toMatchObject({ sku });
  });
});
