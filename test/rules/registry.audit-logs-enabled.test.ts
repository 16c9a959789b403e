import { describe, expect, it } from 'vitest';
import type { DiagnosticSettingFacts } from '../../shared/domain/snapshots.js';
import { registryAuditLogsEnabled as rule } from '../../shared/rules/registry.audit-logs-enabled.js';
import { ctx, registryFacts } from './builders.js';

const LAW = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/law';
const setting = (name: string, enabledCategories: string[], destinations: DiagnosticSettingFacts['destinations'] = { workspaceId: LAW }): DiagnosticSettingFacts => ({
  name,
  destinations,
  enabledCategories,
});

const LOGIN = 'ContainerRegistryLoginEvents';
const REPO = 'ContainerRegistryRepositoryEvents';

describe('registry.audit-logs-enabled', () => {
  it.each([
    { name: 'both categories', settings: [setting('s', [LOGIN, REPO])], status: 'pass', missing: [] },
    { name: 'category group allLogs', settings: [setting('s', ['allLogs'])], status: 'pass', missing: [] },
    { name: 'category group audit', settings: [setting('s', ['audit'])], status: 'pass', missing: [] },
    { name: 'case-insensitive names', settings: [setting('s', ['containerregistryloginevents', 'AUDIT'])], status: 'pass', missing: [] },
    { name: 'to a storage account', settings: [setting('s', ['audit'], { storageAccountId: '/sa' })], status: 'pass', missing: [] },
    { name: 'to an event hub', settings: [setting('s', ['audit'], { eventHubAuthorizationRuleId: '/eh' })], status: 'pass', missing: [] },
    { name: 'split across two settings', settings: [setting('a', [LOGIN]), setting('b', [REPO])], status: 'pass', missing: [] },
    { name: 'login events only', settings: [setting('s', [LOGIN])], status: 'fail', missing: [REPO] },
    { name: 'metrics only', settings: [setting('s', ['AllMetrics'])], status: 'fail', missing: [LOGIN, REPO] },
    { name: 'no destination', settings: [setting('s', ['allLogs'], {})], status: 'fail', missing: [LOGIN, REPO] },
    { name: 'no setting', settings: [], status: 'fail', missing: [LOGIN, REPO] },
  ])('$name -> $status', ({ settings, status, missing }) => {
    const e = rule.evaluate(registryFacts({ diagnosticSettings: settings }), ctx());
    expect(e.status).toBe(status);
    expect(e.evidence?.missingCategories).toEqual(missing);
    expect(e.evidence?.settings).toHaveLength(settings.length);
  });

  it('lists what each setting routes', () => {
    const e = rule.evaluate(registryFacts({ diagnosticSettings: [setting('s', [LOGIN]), setting('t', ['audit'], {})] }), ctx());
    expect(e.evidence).toEqual({
      settings: [
        { name: 's', hasDestination: true, routes: [LOGIN] },
        { name: 't', hasDestination: false, routes: [] },
      ],
      missingCategories: [REPO],
    });
    expect(e.message).toContain(REPO);
  });

  it('is inconclusive when diagnostic settings were not collected', () => {
    expect(rule.evaluate(registryFacts(), ctx())).toMatchObject({ status: 'not_applicable', conclusive: false });
  });
});
