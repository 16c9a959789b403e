import { describe, expect, it } from 'vitest';
import { workloadLogsCollected as rule } from '../../shared/rules/workload.logs-collected.js';
import { ctx } from './builders.js';
import { aWorkload } from './workloadBuilders.js';

const logs = (value: object) => ({ logs: { state: 'read' as const, value } });
const toLaw = (categories: string[]) => [{ name: 'to-law', destinations: { workspaceId: '/w' }, enabledCategories: categories }];

describe('workload.logs-collected', () => {
  it('ACI: diagnostics.logAnalytics or a workspace diagnostic setting passes; neither fails; unread settings are inconclusive', () => {
    expect(rule.evaluate(aWorkload('containerGroup'), ctx()).status).toBe('pass');
    expect(rule.evaluate(aWorkload('containerGroup', {}, logs({ logAnalytics: false, diagnosticSettings: toLaw(['ContainerInstanceLog']) })), ctx()).status).toBe('pass');
    expect(rule.evaluate(aWorkload('containerGroup', {}, logs({ logAnalytics: false, diagnosticSettings: [] })), ctx()).status).toBe('fail');
    expect(rule.evaluate(aWorkload('containerGroup', {}, logs({ logAnalytics: false, diagnosticSettings: 'unread' })), ctx())).toMatchObject({ conclusive: false });
  });
  it.each(['containerApp', 'containerAppJob'] as const)('%s: the environment destination decides', (kind) => {
    expect(rule.evaluate(aWorkload(kind), ctx()).status).toBe('pass');
    expect(rule.evaluate(aWorkload(kind, {}, logs({ environmentDestination: null })), ctx()).status).toBe('fail');
    expect(rule.evaluate(aWorkload(kind, {}, logs({ environmentDestination: 'azure-monitor', diagnosticSettings: toLaw(['allLogs']) })), ctx()).status).toBe('pass');
    expect(rule.evaluate(aWorkload(kind, {}, logs({ environmentDestination: 'unread' })), ctx())).toMatchObject({ conclusive: false });
  });
  it('App Service: console and app logs to a workspace pass; anything less fails', () => {
    expect(rule.evaluate(aWorkload('webApp', {}, logs({ diagnosticSettings: toLaw(['AppServiceConsoleLogs', 'AppServiceAppLogs']) })), ctx()).status).toBe('pass');
    expect(rule.evaluate(aWorkload('webApp', {}, logs({ diagnosticSettings: toLaw(['AppServiceHTTPLogs']) })), ctx()).status).toBe('fail');
  });
});
