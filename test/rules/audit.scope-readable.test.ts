import { describe, expect, it } from 'vitest';
import type { Gap } from '../../shared/domain/snapshots.js';
import { auditScopeReadable as rule } from '../../shared/rules/audit.scope-readable.js';
import { evaluateRules } from '../../shared/rules/evaluate.js';
import { ctx, SUBSCRIPTION } from './builders.js';

describe('audit.scope-readable', () => {
  it.each<{ gap: Gap; status: number | null; message: RegExp }>([
    { gap: { scope: `/subscriptions/${SUBSCRIPTION}`, reason: 'AuthorizationFailed', status: 403 }, status: 403, message: /HTTP 403.*AuthorizationFailed/ },
    { gap: { scope: 'contosoprod.azurecr.io', reason: 'throttled after 5 retries', status: 429 }, status: 429, message: /throttled/ },
    { gap: { scope: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/x`, reason: 'DNS failure' }, status: null, message: /^scope could not be read: DNS failure$/ },
  ])('fails for $gap.scope', ({ gap, status, message }) => {
    const e = rule.evaluate(gap, ctx());
    expect(e.status).toBe('fail');
    expect(e.message).toMatch(message);
    expect(e.evidence).toEqual({ scope: gap.scope, reason: gap.reason, status });
  });

  it('belongs to the scope of the gap when evaluated', () => {
    const [r] = evaluateRules([rule], 'scope', [{ scope: `/subscriptions/${SUBSCRIPTION.toUpperCase()}`, reason: 'denied', status: 403 }], ctx());
    expect(r).toMatchObject({ status: 'fail', severity: 'medium', scopeId: `/subscriptions/${SUBSCRIPTION}` });
  });
});
