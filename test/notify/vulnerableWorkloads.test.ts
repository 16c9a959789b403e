// Issue 12: a running workload newly vulnerable at critical or high goes out at once from the nightly run
// (in addition to the digest), naming the workload, the image and the top CVEs with their fixed versions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeKind, Finding, FindingChange } from '../../shared/domain/finding.js';
import { startAzurite, type RunningAzurite } from '../../shared/local/azurite.js';
import { deliverPending } from '../../shared/notify/deliver.js';
import { startLocalTeamsReceiver, type LocalTeamsReceiver } from '../../shared/notify/local.js';
import { TableOutbox } from '../../shared/notify/outbox.js';
import { DEFAULT_POLICY, planNotifications, type NotifyPolicy, type PlannedNotification } from '../../shared/notify/plan.js';
import { CHANNELS } from '../../shared/notify/registry.js';
import { TeamsNotifier } from '../../shared/notify/teams.js';
import { topCvesText } from '../../shared/notify/renderVulnerableWorkloads.js';
import { subjectRefOf } from '../../shared/rules/subjects.js';
import { workloadImageVulnerabilitiesResolved as rule } from '../../shared/rules/workload.image-vulnerabilities-resolved.js';
import { aWorkloadImage, ctx as ruleCtx, daysAgo, DIGEST } from '../rules/builders.js';
import { aCve, scanned } from '../rules/vulnFixtures.js';
import { settingsOf } from '../rules/workloadBuilders.js';
import { aChange, NOW, strings, validateCard } from './helpers.js';

const policy = (over: Partial<NotifyPolicy> = {}): NotifyPolicy => ({
  ...DEFAULT_POLICY, channels: CHANNELS,
  routes: [{ name: 'default', match: {}, targets: { teams: true, email: ['secops@contoso.test'] } }],
  ...over,
});
const nightly = (runId = 'run-2025-03-04') => ({ origin: { kind: 'nightly' as const, runId }, now: NOW, portalUrl: 'https://portal.azure.com', findingsUrl: 'https://contoso.example/findings' });

/** A finding as the nightly audit stores it: the real rule's evaluation of a Container App with open external ingress. */
function vulnerableWorkload(name: string, cves = [aCve(), aCve({ cve: 'CVE-2026-0002', severity: 'high', packageName: 'zlib', installedVersion: '1.2.11', fixedVersion: '1.2.13', cvss: 7.5 })]): Finding {
  const subject = aWorkloadImage({
    resolved: { status: 'found', digest: DIGEST, lastUpdateTime: daysAgo(10), tags: ['1.0.0'] },
    workload: {
      id: `/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-apps/providers/Microsoft.App/containerApps/${name}`,
      name,
      settings: settingsOf('containerApp', { network: { state: 'read', value: { ingress: { external: true, allowRules: 0, denyRules: 0 }, environmentId: 'e', environment: { internal: false, subnet: false } } } }),
    },
  });
  const e = rule.evaluate({ ...subject, vulnerabilities: scanned(cves) }, ruleCtx());
  if (e.status !== 'fail') throw new Error(`expected a failure, got ${e.status}`);
  const ref = subjectRefOf.workloadImage(subject);
  return {
    id: `f${name.padEnd(31, '0').slice(0, 31)}`, ...ref, ruleId: rule.id, title: rule.title, severity: e.severity ?? rule.severity,
    status: 'open', outcome: 'fail', message: e.message, evidence: e.evidence ?? {},
    firstSeen: NOW.toISOString(), lastSeen: NOW.toISOString(), lastAuditId: 'run-2025-03-04',
  } as Finding;
}
const change = (kind: ChangeKind, f: Finding, previous?: Partial<Finding>): FindingChange => ({ kind, finding: f, ...(previous ? { previous: { ...f, ...previous } } : {}) });
const kinds = (ns: PlannedNotification[]) => ns.map((n) => `${n.channel}/${n.kind}`).sort();

describe('nightly: newly vulnerable running workloads alert immediately', () => {
  it('an opened critical workload finding -> one immediate per channel, besides the digest; the card names workload, image and top CVEs with fixed versions', () => {
    const f = vulnerableWorkload('ca-storefront');
    expect(f.severity).toBe('critical');
    const ns = planNotifications([change('opened', f)], nightly(), policy());
    expect(kinds(ns)).toEqual(['email/digest', 'email/immediate', 'teams/digest', 'teams/immediate']);
    const teams = ns.find((n) => n.channel === 'teams' && n.kind === 'immediate')!;
    expect(teams).toMatchObject({ severity: 'critical', total: 1, summary: 'Vulnerable running workloads: 1 finding(s)' });
    if (teams.payload.channel !== 'teams') throw new Error('teams payload');
    const card = teams.payload.message.attachments[0]!.content;
    expect(validateCard(card)).toEqual([]);
    const text = strings(card).join('\n');
    expect(text).toContain('ACR auditor: newly vulnerable running workloads (1 finding)');
    expect(text).toContain('ca-storefront');
    expect(text).toContain('contosoprod.azurecr.io/team/api:1.0.0');
    expect(text).toContain('CVE-2026-0001 critical, CVSS 9.8: openssl 3.0.1, fixed in 3.0.9; CVE-2026-0002 high, CVSS 7.5: zlib 1.2.11, fixed in 1.2.13');
    expect(text).toMatch(/reachable from the internet/);
    const email = ns.find((n) => n.channel === 'email' && n.kind === 'immediate')!;
    if (email.payload.channel !== 'email') throw new Error('email payload');
    expect(email.payload.subject).toMatch(/^\[ACR auditor\] CRITICAL: unresolved vulnerabilities/);
    expect(email.payload.text).toContain('ACR auditor: newly vulnerable running workloads');
    expect(email.payload.text).toContain('zlib 1.2.11, fixed in 1.2.13');
    expect(email.payload.text).toContain('Resource: ca-storefront');
  });

  it.each([
    // kind, severity, rule, policy overrides, expected kinds (per channel: teams only)
    ['opened', 'high', rule.id, {}, ['digest', 'immediate']],
    ['reopened', 'critical', rule.id, {}, ['digest', 'immediate']],
    ['unsuppressed', 'high', rule.id, {}, ['digest', 'immediate']],
    ['escalated', 'high', rule.id, {}, ['digest', 'immediate']],
    ['opened', 'medium', rule.id, {}, ['digest']],
    ['opened', 'high', rule.id, { immediateMinSeverity: 'critical' }, ['digest']],
    ['still_open', 'critical', rule.id, {}, []],
    ['resolved', 'critical', rule.id, { notifyResolutions: true }, ['digest']],
    ['opened', 'critical', 'image.vulnerabilities-resolved', {}, ['digest']],
    ['opened', 'critical', 'workload.network-isolated', {}, ['digest']],
  ] as const)('%s %s %s %j -> %j', (kind, severity, ruleId, over, expected) => {
    const ns = planNotifications([aChange(kind, { ruleId, severity }, { severity: 'medium' })], nightly(), policy({ ...over, routes: [{ name: 'default', match: {}, targets: { teams: true } }] } as Partial<NotifyPolicy>));
    expect(ns.map((n) => n.kind).sort()).toEqual([...expected]);
  });

  it('dedupe ids: deterministic per run and content, distinct from the digest, another run gives other ids', () => {
    const changes = [change('opened', vulnerableWorkload('ca-a')), change('opened', vulnerableWorkload('ca-b')), aChange('opened', { id: 'f1', severity: 'high' })];
    const a = planNotifications(changes, nightly(), policy());
    const b = planNotifications([...changes].reverse(), nightly(), policy());
    expect(b.map((n) => n.id).sort()).toEqual(a.map((n) => n.id).sort());
    expect(new Set(a.map((n) => n.id)).size).toBe(a.length);
    const immediate = a.filter((n) => n.kind === 'immediate');
    expect(immediate.map((n) => n.total)).toEqual([2, 2]); // the two workloads, not the registry finding
    expect(a.filter((n) => n.kind === 'digest').map((n) => n.total)).toEqual([3, 3]); // the digest still lists everything
    const other = planNotifications(changes, nightly('run-2025-03-05'), policy()).map((n) => n.id);
    expect(other.some((id) => a.some((n) => n.id === id))).toBe(false);
    // A run with one more vulnerable workload is another immediate notification (content is in the id).
    const more = planNotifications([...changes, change('opened', vulnerableWorkload('ca-c'))], nightly(), policy());
    expect(more.find((n) => n.kind === 'immediate' && n.channel === 'teams')!.id).not.toBe(immediate.find((n) => n.channel === 'teams')!.id);
  });

  it('routes apply: a route whose minSeverity is critical gets no high workload alert', () => {
    const high = aChange('opened', { ruleId: rule.id, severity: 'high' });
    const routes: NotifyPolicy['routes'] = [{ name: 'default', match: { minSeverity: 'critical' }, targets: { teams: true } }];
    expect(planNotifications([high], nightly(), policy({ routes }))).toEqual([]);
  });

  it('topCvesText: bounded list, missing fix said, "and N more"', () => {
    const cves = [aCve(), aCve({ cve: 'CVE-2', fixedVersion: undefined, fixAvailable: false, cvss: undefined }), aCve({ cve: 'CVE-3' }), aCve({ cve: 'CVE-4' })];
    expect(topCvesText({ worstCves: cves })).toBe('CVE-2026-0001 critical, CVSS 9.8: openssl 3.0.1, fixed in 3.0.9; CVE-2 critical: openssl 3.0.1, no fixed version; CVE-3 critical, CVSS 9.8: openssl 3.0.1, fixed in 3.0.9; and 1 more');
    expect(topCvesText({ worstCves: 'nope' })).toBeUndefined();
  });
});

describe('nightly immediate alert, end to end (outbox on Azurite, local Teams receiver)', () => {
  let azurite: RunningAzurite;
  let receiver: LocalTeamsReceiver;
  beforeAll(async () => {
    azurite = await startAzurite();
    receiver = await startLocalTeamsReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
    await azurite?.close();
  });

  it('planned twice, enqueued twice, delivered once: the immediate card and the digest reach Teams', async () => {
    const outbox = TableOutbox.fromConnectionString(azurite.connectionString, { tableName: 'notifyvuln' });
    const p = policy({ routes: [{ name: 'default', match: {}, targets: { teams: true } }] });
    const changes = [change('opened', vulnerableWorkload('ca-storefront'))];
    const planned = planNotifications(changes, nightly(), p);
    expect((await outbox.enqueue(planned)).inserted).toHaveLength(2);
    expect((await outbox.enqueue(planNotifications(changes, nightly(), p))).inserted).toEqual([]);
    const before = receiver.delivered.length;
    const teams = new TeamsNotifier({ webhooks: { default: receiver.url }, requestTimeoutInMs: 2_000, minIntervalInMs: 0 });
    const deliver = () => deliverPending({ outbox, channels: CHANNELS, notifiers: { teams } }, { now: NOW, clock: () => NOW, maxAttempts: 3 });
    expect(await deliver()).toMatchObject({ sent: 2 });
    expect(await deliver()).toMatchObject({ due: 0, sent: 0 });
    const cards = receiver.delivered.slice(before).map((d) => strings(d.card).join('\n'));
    expect(cards).toHaveLength(2);
    const immediate = cards.find((c) => c.includes('newly vulnerable running workloads'))!;
    expect(immediate).toContain('ca-storefront');
    expect(immediate).toContain('fixed in 3.0.9');
    expect(cards.some((c) => c.includes('Nightly audit digest'))).toBe(true);
  });
});
