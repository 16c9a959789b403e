import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TableClient } from '@azure/data-tables';
import { startAzurite, type RunningAzurite } from '../../shared/local/azurite.js';
import { createNotifications } from '../../shared/notify/wiring.js';
import { entitySizeInBytes, MAX_ENTITY_BYTES, splitUtf16, TableOutbox } from '../../shared/notify/outbox.js';
import { boundText, utf8Bytes } from '../../shared/notify/bound.js';
import { DEFAULT_POLICY, planNotifications, type NotifyPolicy, type PlannedNotification } from '../../shared/notify/plan.js';
import { renderEmail, renderTeamsMessage, TEAMS_MAX_MESSAGE_CHARS, type AlertItem } from '../../shared/notify/templates.js';
import type { FindingChange } from '../../shared/domain/finding.js';
import { TABLES } from '../../shared/names.js';
import { aChange, manyOpened, NOW, strings, SUB, validateCard } from './helpers.js';
import { CHANNELS } from '../../shared/notify/registry.js';

const portalUrl = 'https://portal.azure.com';
const findingsUrl = 'https://contoso.example/findings';
const APP = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.App/containerApps/app-€𝄞`;
/** 30,000 characters with a 2-unit astral character and a 3-byte '€' so UTF-16 length, UTF-8 bytes and characters all differ. */
const image = (i: number) => `contosoprod.azurecr.io/team/app-${i}:${'€𝄞x'.repeat(10_000)}`.slice(0, 30_000);

/** Several rules on one Container App whose 16 image strings are 30,000 characters each. */
function hostileChanges(): FindingChange[] {
  const images = Array.from({ length: 16 }, (_, i) => image(i));
  return Array.from({ length: 3 }, (_, i) => aChange('opened', {
    id: `e${String(i).padStart(31, '0')}`,
    ruleId: `workload.rule-${i}`,
    severity: 'critical',
    resourceId: APP,
    scopeId: APP,
    subject: images.join(','),
    message: `bad images ${images.join(' ')}`,
    evidence: { images, containers: images.map((im, j) => ({ name: `c${j}`, image: im })) },
  }));
}

function propsOf(e: Record<string, unknown>): Array<[string, string]> {
  return Object.entries(e).filter(([, v]) => typeof v === 'string') as Array<[string, string]>;
}

describe('bounded notifications (hostile estate content, Azurite)', () => {
  let azurite: RunningAzurite;
  beforeAll(async () => {
    azurite = await startAzurite();
  });
  afterAll(async () => {
    await azurite?.close();
  });

  it('16 x 30,000-character images and 10,000 findings: publish succeeds, every stored row is within the Table limits, markers show, the digest counts all findings', async () => {
    const logs: string[] = [];
    const n = createNotifications({
      config: {
        policy: { ...DEFAULT_POLICY, channels: CHANNELS, feeds: { eventgrid: true }, routes: [{ name: 'default', match: {}, targets: { teams: true, email: ['secops@contoso.test'] } }] },
        channels: {
          teams: { webhooks: { default: 'http://127.0.0.1:9/hook' } },
          email: { kind: 'smtp', url: 'smtp://u:p@127.0.0.1:9', from: 'auditor@contoso.test' },
          eventgrid: { endpoint: 'https://127.0.0.1:9/api/events' },
        },
        findingsUrl,
        maxAttempts: 3,
      },
      storage: { kind: 'connectionString', connectionString: azurite.connectionString },
      credential: { getToken: async () => null },
      portalUrl,
      clock: () => NOW,
      log: (l) => logs.push(l),
    });
    const changes = [...hostileChanges(), ...manyOpened(10_000)];
    await n.sink.publish(changes, { kind: 'nightly', runId: 'run-hostile' });
    await n.close();

    const raw = TableClient.fromConnectionString(azurite.connectionString, TABLES.notifications, { allowInsecureConnection: true });
    const rows: Array<Record<string, unknown> & { partitionKey: string; rowKey: string }> = [];
    for await (const e of raw.listEntities<Record<string, unknown>>()) rows.push(e as never);
    expect(rows.map((r) => r.channel).sort()).toEqual([...Array(101).fill('eventgrid'), 'email', 'teams'].sort());
    for (const r of rows) {
      const entity = Object.fromEntries(Object.entries(r).filter(([k]) => !['etag', 'timestamp', 'odata.metadata'].includes(k))) as typeof r;
      expect(entitySizeInBytes(entity)).toBeLessThanOrEqual(MAX_ENTITY_BYTES);
      for (const [k, v] of propsOf(entity)) expect(v.length * 2, k).toBeLessThanOrEqual(64 * 1024);
    }
    const payloads = await Promise.all(rows.map(async (r) => (await n.outbox.get(r.rowKey))!));
    const all = payloads.map((p) => JSON.stringify(p.payload)).join('\n');
    expect(all).toMatch(/…\[truncated \d+ chars\]/);
    expect(all).not.toContain('\ufffd'); // no surrogate pair split by chunking
    expect(all).toContain('€𝄞x€𝄞x');
    for (const p of payloads) {
      if (p.payload!.channel === 'eventgrid') {
        const body = JSON.stringify(p.payload!.events);
        expect(utf8Bytes(body)).toBeLessThanOrEqual(1024 * 1024);
        expect(utf8Bytes(body)).toBe(Buffer.byteLength(body, 'utf8'));
        for (const e of p.payload!.events) expect(utf8Bytes(JSON.stringify(e))).toBeLessThan(64 * 1024);
      }
      if (p.payload!.channel === 'teams') {
        expect(utf8Bytes(JSON.stringify(p.payload!.message))).toBeLessThanOrEqual(TEAMS_MAX_MESSAGE_CHARS);
        expect(validateCard(p.payload!.message.attachments[0]!.content)).toEqual([]);
        expect(JSON.stringify(p.payload!.message)).toContain('10,003 new');
        expect(JSON.stringify(p.payload!.message)).toMatch(/and 9,9\d\d more/);
      }
      if (p.payload!.channel === 'email') {
        expect(p.payload!.text).toContain('10,003 new');
        expect(utf8Bytes(p.payload!.html)).toBeLessThan(256 * 1024);
      }
    }
    const eg = payloads.filter((p) => p.channel === 'eventgrid');
    expect(eg.reduce((s, p) => s + p.total, 0)).toBe(10_003);
  });

  it('enqueue stores a payload still too large after bounding as a summary, and stores the rest of the batch', async () => {
    const logs: string[] = [];
    const outbox = TableOutbox.fromConnectionString(azurite.connectionString, { tableName: 'bounds2', log: (l) => logs.push(l) });
    const policy: NotifyPolicy = { ...DEFAULT_POLICY, channels: CHANNELS, routes: [{ name: 'default', match: {}, targets: { teams: true } }] };
    const [ok] = planNotifications([aChange('opened')], { origin: { kind: 'nightly', runId: 'r-ok' }, now: NOW, portalUrl, findingsUrl }, policy);
    const [base] = planNotifications([aChange('opened', { id: 'b'.repeat(32) })], { origin: { kind: 'nightly', runId: 'r-big' }, now: NOW, portalUrl, findingsUrl }, policy);
    // Built by hand, bypassing the planner's bounds: 600,000 astral characters (2.4 MB of UTF-16).
    const huge: PlannedNotification = { ...base!, payload: { channel: 'teams', message: { type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: { type: 'AdaptiveCard', version: '1.4', body: [{ type: 'TextBlock', text: '𝄞'.repeat(600_000) }] } }] } } };
    expect(await outbox.enqueue([ok!, huge])).toMatchObject({ inserted: expect.arrayContaining([ok!.id, huge.id]) });
    const stored = await outbox.get(huge.id);
    expect(stored!.payload!.channel).toBe('teams');
    const text = JSON.stringify(stored!.payload);
    expect(text.length).toBeLessThan(10_000);
    expect(text).toContain('too large to store');
    expect(text).toContain(findingsUrl);
    expect(logs.join('\n')).toMatch(/stored as a summary/);
    expect((await outbox.get(ok!.id))!.payload).toEqual(ok!.payload);
  });

  it('chunks never split a surrogate pair; bounds count characters and keep a visible marker', () => {
    const s = `a${'𝄞'.repeat(40)}`;
    const parts = splitUtf16(s, 4);
    expect(parts.join('')).toBe(s);
    for (const p of parts) expect(p).not.toMatch(/^[\udc00-\udfff]|[\ud800-\udbff]$/);
    const cut = boundText('𝄞'.repeat(1_000), 101);
    expect(cut.length).toBeLessThanOrEqual(101);
    expect(cut).toMatch(/…\[truncated \d+ chars\]$/);
    expect(cut).not.toMatch(/[\ud800-\udbff]…/);
    expect(utf8Bytes('€𝄞')).toBe(Buffer.byteLength('€𝄞', 'utf8'));
  });
});

describe('rendering bounds every untrusted string', () => {
  const Z = 'Z'.repeat(100_000);
  const longestRun = (s: string) => Math.max(0, ...(s.match(/Z+/g) ?? []).map((m) => m.length));
  const item: AlertItem = {
    findingId: 'f'.repeat(32), ruleId: `rule.${Z}`, title: `title ${Z}`, severity: 'critical', change: 'opened',
    resourceId: `/subscriptions/${SUB}/providers/x/${Z}`, subject: `subject ${Z}`, registry: `reg${Z}`, subscriptionId: Z,
    message: `message ${Z}`, evidence: Array.from({ length: 50 }, (_, i) => [`k${i}${Z}`, `v${Z}`] as [string, string]),
    remediation: { description: Z, cli: Z }, portalUrl: `https://portal.azure.com/#resource/${Z}`,
  };
  it.each(['immediate', 'digest'] as const)('%s: a 100,000-character message, resource id, link and evidence never reach a card or an email whole', (kind) => {
    const view = { kind, originLabel: 'Nightly audit', items: [item], total: 1, countsByChange: { opened: 1 }, countsBySeverity: { critical: 1 }, generatedAt: NOW.toISOString(), findingsUrl };
    const card = renderTeamsMessage(view);
    const mail = renderEmail(view);
    for (const s of [...strings(card), mail.subject, mail.text, mail.html]) expect(longestRun(s)).toBeLessThanOrEqual(600);
    expect(utf8Bytes(JSON.stringify(card))).toBeLessThanOrEqual(TEAMS_MAX_MESSAGE_CHARS);
    expect(validateCard(card.attachments[0]!.content)).toEqual([]);
  });

  it('the planner bounds a 100,000-character finding before rendering (immediate and nightly)', () => {
    const change = aChange('opened', { severity: 'critical', message: Z, subject: Z, resourceId: `/subscriptions/${SUB}/x/${Z}`, evidence: { big: Z, list: Array(1_000).fill(Z) } });
    const policy: NotifyPolicy = { ...DEFAULT_POLICY, channels: CHANNELS, feeds: { eventgrid: true }, routes: [{ name: 'default', match: {}, targets: { teams: true, email: ['a@contoso.test'] } }] };
    for (const origin of [{ kind: 'nightly' as const, runId: 'r' }, { kind: 'event' as const, eventId: 'e' }]) {
      for (const p of planNotifications([change], { origin, now: NOW, portalUrl, findingsUrl }, policy)) {
        const s = JSON.stringify(p.payload);
        expect(longestRun(s), p.channel).toBeLessThanOrEqual(2_000);
        expect(s.length, p.channel).toBeLessThan(100_000);
      }
    }
  });
});
