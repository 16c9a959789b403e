import { describe, expect, it } from 'vitest';
import { composeDailyDigest, DEFAULT_POLICY, planNotifications, type NotifyPolicy, type PlannedNotification } from '../../shared/notify/plan.js';
import { escapeCardText, escapeHtml, headerSafe } from '../../shared/notify/escape.js';
import { aChange, HOSTILE_TAG, manyOpened, NOW, strings, SUB, SUB2, validateCard } from './helpers.js';
import { CHANNELS } from '../../shared/notify/registry.js';
import { teamsRenderer } from '../../shared/notify/channels/teams.js';
import { emailRendererWith } from '../../shared/notify/channels/email.js';

const portalUrl = 'https://portal.azure.com';
const findingsUrl = 'https://contoso.example/findings';
const nightly = { origin: { kind: 'nightly' as const, runId: 'run-2025-03-04' }, now: NOW, portalUrl, findingsUrl };
const event = { origin: { kind: 'event' as const, eventId: 'evt-1' }, now: NOW, portalUrl, findingsUrl };

const policy = (over: Partial<NotifyPolicy> = {}): NotifyPolicy => ({
  ...DEFAULT_POLICY, channels: CHANNELS,
  routes: [{ name: 'default', match: {}, targets: { teams: true, email: ['secops@contoso.test'] } }],
  ...over,
});

function cards(ns: PlannedNotification[]): unknown[] {
  return ns.flatMap((n) => (n.payload.channel === 'teams' ? [n.payload.message.attachments[0]!.content] : []));
}

describe('planNotifications', () => {
  it('a 10,000-finding first run is one digest per route and channel, capped, with "and 9,975 more" and the link', () => {
    const ns = planNotifications(manyOpened(10_000), nightly, policy());
    expect(ns.map((n) => `${n.channel}/${n.route}/${n.kind}`).sort()).toEqual(['email/default/digest', 'teams/default/digest']);
    const teams = ns.find((n) => n.channel === 'teams')!;
    expect(teams.total).toBe(10_000);
    const card = JSON.stringify(teams.payload);
    expect(card).toContain('and 9,975 more');
    expect(card).toContain(findingsUrl);
    expect(card.length).toBeLessThan(28_000);
    expect(validateCard(cards([teams])[0])).toEqual([]);
    const email = ns.find((n) => n.channel === 'email')!;
    if (email.payload.channel !== 'email') throw new Error('email payload');
    expect(email.payload.text).toContain('and 9,975 more');
    expect(email.payload.html).toContain('and 9,975 more');
    expect(email.payload.subject).toBe('[ACR auditor] Nightly audit digest: 10,000 high (10,000 new)');
  });

  it('re-planning the same changes yields the same ids; another origin yields other ids', () => {
    const changes = manyOpened(30);
    const a = planNotifications(changes, nightly, policy()).map((n) => n.id);
    const b = planNotifications([...changes].reverse(), nightly, policy()).map((n) => n.id);
    expect(b.sort()).toEqual([...a].sort());
    expect(new Set(a).size).toBe(a.length);
    const c = planNotifications(changes, { ...nightly, origin: { kind: 'nightly', runId: 'run-2025-03-05' } }, policy()).map((n) => n.id);
    expect(c.some((id) => a.includes(id))).toBe(false);
    for (const id of a) expect(id).toMatch(/^[0-9a-f]{32}$/);
  });

  it.each([
    // kind, severity, policy overrides, origin, expected kinds
    ['opened', 'medium', {}, 'nightly', ['digest']],
    ['opened', 'low', {}, 'nightly', []],
    ['opened', 'low', { digestMinSeverity: 'low' }, 'nightly', ['digest']],
    ['reopened', 'high', {}, 'nightly', ['digest']],
    ['unsuppressed', 'high', {}, 'nightly', ['digest']],
    ['escalated', 'critical', {}, 'nightly', ['digest']],
    ['still_open', 'critical', {}, 'nightly', []],
    ['still_suppressed', 'critical', {}, 'nightly', []],
    ['suppressed', 'critical', {}, 'event', []],
    ['resolved', 'critical', {}, 'nightly', []],
    ['resolved', 'critical', { notifyResolutions: true }, 'nightly', ['digest']],
    ['opened', 'high', {}, 'event', ['immediate']],
    ['opened', 'critical', {}, 'event', ['immediate']],
    ['opened', 'medium', {}, 'event', ['held']],
    ['opened', 'medium', { immediateMinSeverity: 'medium' }, 'event', ['immediate']],
    ['resolved', 'high', { notifyResolutions: true }, 'event', ['held']],
  ] as const)('%s %s %j (%s) -> %j', (kind, severity, over, origin, kinds) => {
    const ns = planNotifications([aChange(kind, { severity }, { severity: 'low' })], origin === 'nightly' ? nightly : event, policy(over as Partial<NotifyPolicy>));
    expect([...new Set(ns.map((n) => n.kind))]).toEqual(kinds);
  });

  it('routes by subscription, registry glob and severity; unmatched findings go to default', () => {
    const routes: NotifyPolicy['routes'] = [
      { name: 'platform', match: { registries: ['contosoplatform*.azurecr.io'] }, targets: { teams: true } },
      { name: 'sub2', match: { subscriptionIds: [SUB2], minSeverity: 'critical' }, targets: { email: ['sub2@contoso.test'] } },
      { name: 'default', match: {}, targets: { teams: true } },
    ];
    const changes = [
      aChange('opened', { id: 'a'.repeat(32), registry: 'contosoplatformeu.azurecr.io', severity: 'medium' }),
      aChange('opened', { id: 'b'.repeat(32), registry: 'contosoprod.azurecr.io', subscriptionId: SUB2, severity: 'high' }),
      aChange('opened', { id: 'c'.repeat(32), registry: 'contosoprod.azurecr.io', subscriptionId: SUB2, severity: 'critical' }),
      aChange('opened', { id: 'd'.repeat(32), registry: 'other.azurecr.io', subscriptionId: SUB, severity: 'medium' }),
    ];
    const ns = planNotifications(changes, nightly, { ...DEFAULT_POLICY, channels: CHANNELS, routes });
    const byRoute = Object.fromEntries(ns.map((n) => [`${n.route}/${n.channel}`, n.total]));
    // b (high) is below sub2's minSeverity and is NOT re-routed to default: the route matched it.
    expect(byRoute).toEqual({ 'platform/teams': 1, 'sub2/email': 1, 'default/teams': 1 });
  });

  it('splits recipients into messages of at most the email channel\'s maxRecipients', () => {
    const emailTo = Array.from({ length: 7 }, (_, i) => `r${i}@contoso.test`);
    const ns = planNotifications(manyOpened(2), nightly, { ...DEFAULT_POLICY, channels: [teamsRenderer, emailRendererWith(3)], routes: [{ name: 'default', match: {}, targets: { email: emailTo } }] });
    expect(ns.map((n) => (n.payload.channel === 'email' ? n.payload.to.length : 0))).toEqual([3, 3, 1]);
  });

  it('a push with several high findings is one immediate notification per route and channel, detailed and capped', () => {
    const ns = planNotifications(manyOpened(8, 'critical'), event, policy());
    expect(ns.map((n) => n.channel).sort()).toEqual(['email', 'teams']);
    const t = ns.find((n) => n.channel === 'teams')!;
    expect(JSON.stringify(t.payload)).toContain('and 3 more');
    expect(JSON.stringify(t.payload)).toContain('"title":"Portal: contosoprod"');
    expect(validateCard(cards(ns)[0])).toEqual([]);
  });

  it('held items of a day fold into one daily digest, deterministically', () => {
    const a = planNotifications([aChange('opened', { id: 'a'.repeat(32), severity: 'medium' })], { ...event, origin: { kind: 'event', eventId: 'e1' } }, policy());
    const b = planNotifications([aChange('opened', { id: 'b'.repeat(32), severity: 'medium' })], { ...event, origin: { kind: 'event', eventId: 'e2' } }, policy());
    const held = [...a, ...b].filter((n) => n.channel === 'teams').map((n) => ({ id: n.id, route: n.route, channel: 'teams' as const, payload: n.payload as never }));
    expect(a[0]!.notBefore).toBe('2025-03-05T00:00:00.000Z');
    const later = new Date('2025-03-05T01:00:00Z');
    const d1 = composeDailyDigest(held, { now: later, digestMaxItems: 25, channels: CHANNELS });
    const d2 = composeDailyDigest([...held].reverse(), { now: later, digestMaxItems: 25, channels: CHANNELS });
    expect(d1).toHaveLength(1);
    expect(d1[0]!.id).toBe(d2[0]!.id);
    expect(d1[0]!.total).toBe(2);
    expect(d1[0]!.originKey).toBe('daily:2025-03-04');
    expect(validateCard(cards(d1)[0])).toEqual([]);
  });

  it('publishes CloudEvents for every alerting change when Event Grid is on, in batches', () => {
    const ns = planNotifications([...manyOpened(150, 'low'), aChange('resolved', { id: 'z'.repeat(32) })], nightly, policy({ feeds: { eventgrid: true } }));
    const eg = ns.filter((n) => n.channel === 'eventgrid');
    expect(eg.map((n) => n.total)).toEqual([100, 51]);
    const types = eg.flatMap((n) => (n.payload.channel === 'eventgrid' ? n.payload.events.map((e) => e.type) : []));
    expect(types.filter((t) => t === 'AcrAuditor.Finding.Resolved')).toHaveLength(1);
  });
});

describe('hostile strings', () => {
  const hostile = [
    aChange('opened', {
      id: 'h'.repeat(32),
      severity: 'critical',
      subject: `contosoprod.azurecr.io/team/app:${HOSTILE_TAG}`,
      registry: 'contosoprod.azurecr.io',
      message: 'pushed by <at>admin</at> [x](javascript:alert(1))',
      evidence: { tag: HOSTILE_TAG, actor: '<at>Everyone</at>', url: 'https://evil.test/a_b' },
    }),
  ];

  it.each(['nightly', 'event'] as const)('%s cards parse without errors and carry no link, mention or markup from the input', (o) => {
    const ns = planNotifications(hostile, o === 'nightly' ? nightly : event, policy());
    const [card] = cards(ns);
    expect(validateCard(card)).toEqual([]);
    const all = strings(card).join('\n');
    // Untrusted text is only ever the text of a TextRun (not markdown: nothing to escape, nothing parsed).
    const nodes = (x: unknown): Array<Record<string, unknown>> => (Array.isArray(x) ? x.flatMap(nodes)
      : x && typeof x === 'object' ? [x as Record<string, unknown>, ...Object.values(x).flatMap(nodes)] : []);
    const blocks = nodes(card).filter((x) => x.type === 'TextBlock').map((x) => String(x.text));
    for (const b of blocks) expect(b).not.toMatch(/evil|<at>|click|admin|Everyone/i);
    expect(nodes(card).some((x) => x.type === 'FactSet')).toBe(false);
    expect(JSON.stringify(card)).not.toContain('"entities"'); // no mention can exist without one
    // Every link is ours: the portal and the findings page.
    const urls = nodes(card).filter((x) => x.type === 'Action.OpenUrl').map((x) => String(x.url));
    expect(urls.length).toBeGreaterThan(0);
    for (const u of urls) expect(u).toMatch(/^(https:\/\/portal\.azure\.com\/#resource\/subscriptions\/|https:\/\/contoso\.example\/findings)/);
    expect(all).not.toContain('https://evil.test');
    expect(all).toContain('https[:]//evil.test'); // defanged: no client autolinks it
    expect(all).not.toMatch(/[\\‹›]/); // no backslash escapes, no look-alikes
    expect(strings(card).filter((x) => /[\r\n\u202e]/.test(x))).toEqual([]);
    expect(all).toContain('[click](https[:]//evil.test) <at>Everyone</at> **bold**'); // shown as it is, raw
  });

  it('email subject, text and html are safe', () => {
    const ns = planNotifications(hostile, event, policy());
    const email = ns.find((n) => n.channel === 'email')!;
    if (email.payload.channel !== 'email') throw new Error('email');
    expect(email.payload.subject).not.toMatch(/[\r\n]/);
    expect(email.payload.html).not.toMatch(/<at>|<a href="https:\/\/evil|javascript:alert\(1\)\)"/);
    expect(email.payload.html).toContain('&#60;at&#62;Everyone&#60;/at&#62;');
    expect(email.payload.text).not.toContain('\r\nBcc:');
  });

  it('escape functions', () => {
    expect(escapeCardText('[a](b) *c* _d_ <at>e</at> #f !g |h \\i `j` ~k')).toBe('\\[a\\]\\(b\\) \\*c\\* \\_d\\_ ‹at›e‹/at› \\#f \\!g \\|h \\\\i \\`j\\` \\~k');
    expect(escapeCardText('a\u202eb\u0000c\nd')).toBe('abc d');
    expect(escapeHtml('<b a="x">&\'')).toBe('&#60;b a&#61;&#34;x&#34;&#62;&#38;&#39;');
    expect(headerSafe('a\r\nBcc: x', 80)).toBe('a Bcc: x');
    expect(headerSafe('x'.repeat(200), 10)).toHaveLength(10);
  });
});
