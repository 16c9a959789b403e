import { describe, expect, it } from 'vitest';
import { loadNotifyConfig, NOTIFY_SETTINGS } from '../../shared/notify/config.js';
import { problemsOf } from '../support/config.js';

const SECRET = 'sig=Sup3rS3cretSignatureValue';
const HOOK = `https://prod-01.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&${SECRET}`;

const problems = (env: Record<string, string>): string[] => problemsOf(() => loadNotifyConfig(env));

describe('loadNotifyConfig', () => {
  it('defaults: nothing configured means no routes, digest medium, immediate high', () => {
    const c = loadNotifyConfig({});
    expect(c.policy).toMatchObject({ routes: [], digestMinSeverity: 'medium', immediateMinSeverity: 'high', notifyResolutions: false, digestMaxItems: 25, feeds: {} });
    expect(c.channels).toEqual({});
    expect(c.maxAttempts).toBe(8);
  });

  it('a full configuration: default route, explicit routes with their own webhook setting, SMTP', () => {
    const c = loadNotifyConfig({
      AUDITOR_TEAMS_WEBHOOK_URL: HOOK,
      AUDITOR_TEAMS_WEBHOOK_URL_PLATFORM: 'http://127.0.0.1:8080/hook',
      AUDITOR_SMTP_URL: 'smtp://u:p@127.0.0.1:2525',
      AUDITOR_EMAIL_FROM: 'auditor@contoso.test',
      AUDITOR_EMAIL_TO: 'SecOps@contoso.test, dev@contoso.test',
      AUDITOR_NOTIFY_RESOLUTIONS: 'true',
      AUDITOR_ROUTES: JSON.stringify([{ name: 'platform', match: { registries: ['contosoplatform*.azurecr.io'], minSeverity: 'high' }, teamsWebhookSetting: 'AUDITOR_TEAMS_WEBHOOK_URL_PLATFORM', emailTo: ['platform@contoso.test'] }]),
      AUDITOR_EVENTGRID_TOPIC_ENDPOINT: 'https://topic.westeurope-1.eventgrid.azure.net/api/events',
    });
    expect(c.policy.routes).toEqual([
      { name: 'platform', match: { registries: ['contosoplatform*.azurecr.io'], minSeverity: 'high' }, targets: { teams: true, email: ['platform@contoso.test'] } },
      { name: 'default', match: {}, targets: { teams: true, email: ['secops@contoso.test', 'dev@contoso.test'] } },
    ]);
    expect(c.channels.teams).toEqual({ webhooks: { default: HOOK, platform: 'http://127.0.0.1:8080/hook' } });
    expect(c.channels.email).toEqual({ kind: 'smtp', url: 'smtp://u:p@127.0.0.1:2525', from: 'auditor@contoso.test' });
    expect(c.channels.eventgrid).toEqual({ endpoint: 'https://topic.westeurope-1.eventgrid.azure.net/api/events' });
    expect(c.policy.feeds).toEqual({ eventgrid: true });
    expect(c.policy.notifyResolutions).toBe(true);
  });

  it('names every bad setting at once and never echoes a secret', () => {
    const env = {
      AUDITOR_TEAMS_WEBHOOK_URL: HOOK.replace('https:', 'http:'),
      AUDITOR_SMTP_URL: `http://user:${SECRET}@mail.example.com`,
      AUDITOR_EMAIL_TO: 'not-an-address',
      AUDITOR_ALERT_MIN_SEVERITY: 'urgent',
      AUDITOR_IMMEDIATE_MIN_SEVERITY: 'low',
      AUDITOR_NOTIFY_RESOLUTIONS: 'maybe',
      AUDITOR_DIGEST_MAX_ITEMS: '0',
      AUDITOR_NOTIFY_MAX_ATTEMPTS: 'many',
      AUDITOR_FINDINGS_URL: 'ftp://x',
      AUDITOR_ACS_ENDPOINT: '',
      AUDITOR_ROUTES: JSON.stringify([
        { name: 'Bad Name', match: { registries: ['*.io'] } },
        { name: 'ok', match: { subscriptionIds: ['nope'], minSeverity: 'huge' }, teamsWebhookSetting: 'AUDITOR_MISSING' },
        { name: 'hook-inline', teamsWebhookSetting: HOOK },
        { name: 'insecure', teamsWebhookSetting: 'AUDITOR_HOOK2' },
      ]),
      AUDITOR_HOOK2: `http://example.com/x?${SECRET}`,
    };
    const p = problems(env);
    const text = p.join('\n');
    for (const name of ['AUDITOR_TEAMS_WEBHOOK_URL:', 'AUDITOR_SMTP_URL:', 'AUDITOR_EMAIL_TO:', 'AUDITOR_ALERT_MIN_SEVERITY:', 'AUDITOR_IMMEDIATE_MIN_SEVERITY:',
      'AUDITOR_NOTIFY_RESOLUTIONS:', 'AUDITOR_DIGEST_MAX_ITEMS:', 'AUDITOR_NOTIFY_MAX_ATTEMPTS:', 'AUDITOR_FINDINGS_URL:', 'AUDITOR_EMAIL_FROM:',
      'AUDITOR_ROUTES[0].name:', 'AUDITOR_ROUTES[0].match.registries:', 'AUDITOR_ROUTES[1].match.subscriptionIds:', 'AUDITOR_ROUTES[1].match.minSeverity:',
      'AUDITOR_ROUTES[1].teamsWebhookSetting:', 'AUDITOR_ROUTES[2].teamsWebhookSetting:', 'AUDITOR_HOOK2:']) {
      expect(text, name).toContain(name);
    }
    expect(text).not.toContain('Sup3rS3cret');
    expect(text).not.toContain('prod-01');
  });

  it('caps recipients at 50', () => {
    const to = Array.from({ length: 51 }, (_, i) => `u${i}@contoso.test`).join(',');
    expect(problems({ AUDITOR_EMAIL_TO: to, AUDITOR_SMTP_URL: 'smtp://127.0.0.1:25', AUDITOR_EMAIL_FROM: 'a@contoso.test' }).join('\n')).toContain('51 recipients; at most 50');
  });

  it('the catalog marks the URLs as secrets and documents every setting', () => {
    const byName = Object.fromEntries(NOTIFY_SETTINGS.map((s) => [s.name, s]));
    expect(byName.AUDITOR_TEAMS_WEBHOOK_URL?.secret).toBe(true);
    expect(byName.AUDITOR_SMTP_URL?.secret).toBe(true);
    for (const s of NOTIFY_SETTINGS) expect(s.description.length).toBeGreaterThan(10);
  });
});
