// The proof of issue 11's claim: a fourth channel is an adapter, a descriptor (with its settings) and a
// test. This file is all of it (a pager, test-only): settings -> plan -> outbox (Azurite) -> deliver,
// through loadNotifyConfig and createNotifications, with plan.ts, deliver.ts and config.ts untouched.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type RunningAzurite } from '../../shared/local/azurite.js';
import type { ChannelDescriptor } from '../../shared/notify/channel.js';
import type { ChannelPayload } from '../../shared/notify/channels/types.js';
import { loadNotifyConfig } from '../../shared/notify/config.js';
import type { Notifier } from '../../shared/notify/deliver.js';
import type { OutboxRecord } from '../../shared/notify/outbox.js';
import { CHANNELS } from '../../shared/notify/registry.js';
import { createNotifications } from '../../shared/notify/wiring.js';
import { aChange, NOW } from './helpers.js';

// 1. The pure half: its target (a pager service key) and payload join the open channel types.
declare module '../../shared/notify/channels/types.js' {
  interface ChannelTargets { pager: string }
  interface ChannelPayloads { pager: { service: string; text: string } }
}

// 2. The descriptor: render (pure), settings, configured, createNotifier (the adapter: in memory here).
const paged: Array<{ service: string; text: string; id: string }> = [];
const pagerChannel: ChannelDescriptor<'pager', { token: string }> = {
  id: 'pager',
  isTarget: (t): t is string => typeof t === 'string' && t.length > 0,
  isPayload: (p): p is ChannelPayload<'pager'> => p.channel === 'pager',
  render: (view, service) => [{ payload: { channel: 'pager', service, text: `${view.originLabel}: ${view.total} finding(s)` } }],
  summarize: (p, { what }) => ({ channel: 'pager', service: p.service, text: what }),
  settings: [{ name: 'AUDITOR_PAGER_TOKEN', readBy: 'app', secret: true, description: 'Pager API token (test-only channel).' },
    { name: 'AUDITOR_PAGER_SERVICE', readBy: 'app', description: 'Pager service of the default route.' }],
  routeFields: ['pagerService'],
  configured(ctx) {
    const token = ctx.get('AUDITOR_PAGER_TOKEN');
    if (!token) return undefined;
    const targets: Record<string, string> = {};
    const service = ctx.get('AUDITOR_PAGER_SERVICE');
    if (service) targets.default = service;
    for (const r of ctx.routes) if (typeof r.raw.pagerService === 'string') targets[r.name] = r.raw.pagerService;
    return { config: { token }, targets };
  },
  createNotifier: (): Notifier => ({
    channel: 'pager',
    async send(n: OutboxRecord) {
      if (n.payload?.channel !== 'pager') return { ok: false, retryable: false, error: 'not a pager notification' };
      paged.push({ service: n.payload.service, text: n.payload.text, id: n.id });
      return { ok: true };
    },
  }),
};

// 3. Registered: the registry plus one entry (in production: one line in registry.ts).
const channels = [...CHANNELS, pagerChannel];

describe('a fourth channel, registered by a descriptor only', () => {
  let azurite: RunningAzurite;
  beforeAll(async () => {
    azurite = await startAzurite();
  });
  afterAll(async () => {
    await azurite?.close();
  });

  it('settings -> routes -> plan -> outbox -> deliver (immediate and daily digest), once', async () => {
    const config = loadNotifyConfig({
      AUDITOR_PAGER_TOKEN: 'pager-token',
      AUDITOR_PAGER_SERVICE: 'secops',
      AUDITOR_ROUTES: JSON.stringify([{ name: 'platform', match: { registries: ['contosoplatform*.azurecr.io'] }, pagerService: 'platform-oncall' }]),
    }, channels);
    expect(config.policy.routes.map((r) => [r.name, r.targets])).toEqual([['platform', { pager: 'platform-oncall' }], ['default', { pager: 'secops' }]]);
    expect(() => loadNotifyConfig({ AUDITOR_PAGER_TOKEN: 'x', AUDITOR_ROUTES: '[{"name":"p"}]' }, channels))
      .toThrow(/AUDITOR_ROUTES\[0\]: needs teamsWebhookSetting or emailTo or pagerService/);

    let t = NOW;
    const n = createNotifications({
      config, channels, storage: { kind: 'connectionString', connectionString: azurite.connectionString },
      credential: { getToken: async () => null }, portalUrl: 'https://portal.azure.com', clock: () => t,
    });
    const high = aChange('opened', { id: 'p'.repeat(32), severity: 'high', registry: 'contosoplatform.azurecr.io' });
    const medium = aChange('opened', { id: 'q'.repeat(32), severity: 'medium' });
    const push = { kind: 'event' as const, eventId: 'evt-pager' };
    await n.sink.publish([high, medium], push);
    await n.sink.publish([high, medium], push); // redelivered: nothing new
    expect(await n.deliver()).toMatchObject({ sent: 1, failed: 0 });
    expect(paged).toEqual([{ service: 'platform-oncall', text: 'Image push: 1 finding(s)', id: expect.stringMatching(/^[0-9a-f]{32}$/) }]);

    t = new Date('2025-03-05T00:05:00Z'); // the UTC day is over: the held medium finding becomes the daily digest
    expect(await n.deliver()).toMatchObject({ composed: 1, sent: 1 });
    expect(paged.at(-1)).toMatchObject({ service: 'secops', text: 'Daily (2025-03-04): 1 finding(s)' });
    expect(await n.deliver()).toMatchObject({ composed: 0, sent: 0 });
    const rows = [];
    for await (const r of n.outbox.listNotifications({})) rows.push(`${r.channel}/${r.route}/${r.kind}/${r.status}`);
    expect(rows.sort()).toEqual(['pager/default/digest/sent', 'pager/default/held/merged', 'pager/platform/immediate/sent']);
    await n.close();
  });
});
