// Realistic alerts, planned by the real planner from realistic findings: a nightly digest over seven
// registries in three subscriptions (30 opened, 11 of them low: below the threshold) and a push with
// three findings on one registry. Shared by the alert tests and the browser rendering test.
import type { FindingChange } from '../../shared/domain/finding.js';
import type { Severity } from '../../shared/domain/severity.js';
import { DEFAULT_POLICY, planNotifications, type PlannedNotification } from '../../shared/notify/plan.js';
import { CHANNELS } from '../../shared/notify/registry.js';
import { ruleById } from '../../shared/rules/catalog.js';
import { aChange, HOSTILE_TAG, NOW } from './helpers.js';

export const FINDINGS_URL = 'https://acr-auditor.contoso.example/findings';
export const PORTAL_URL = 'https://portal.azure.com';
const SUBS = ['6f1c2a40-7f43-4b39-9a55-0c3e2b1d9a01', '9b2e7d10-1c55-4e8a-b0a4-5d6f7e8a9b02', 'c3d4e5f6-0718-4293-a4b5-c6d7e8f90a03'];

function registryId(sub: string, rg: string, name: string): string {
  return `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.ContainerRegistry/registries/${name}`;
}

const REGISTRIES = [
  { sub: SUBS[0]!, rg: 'rg-platform-prod', name: 'contosoprod', owner: 'platform-team' },
  { sub: SUBS[0]!, rg: 'rg-platform-shared', name: 'contososhared', owner: 'j.doe@contoso.com' },
  { sub: SUBS[1]!, rg: 'rg-dev-tools', name: 'contosodev', owner: 'dev-productivity' },
  { sub: SUBS[1]!, rg: 'rg-edge-prod', name: 'contosoedge', owner: 'edge-team' },
  { sub: SUBS[1]!, rg: 'rg-ml', name: 'contosoml' },
  { sub: SUBS[2]!, rg: 'rg-legacy', name: 'contosolegacy', owner: 'legacy-apps' },
  { sub: SUBS[2]!, rg: 'rg-sandbox', name: 'contososandbox' },
];

function registryFinding(i: number, ruleId: string, severity: Severity, message: string, evidence: Record<string, unknown>): FindingChange {
  const r = REGISTRIES[i % REGISTRIES.length]!;
  const id = registryId(r.sub, r.rg, r.name);
  return aChange('opened', {
    id: `${ruleId.replace(/[^a-z]/g, '').slice(0, 16)}${String(i).padStart(16, '0')}`,
    ruleId, title: ruleById(ruleId)!.title, severity, message, evidence,
    scopeId: id.toLowerCase(), resourceId: id, subject: id, subscriptionId: r.sub, registry: `${r.name}.azurecr.io`,
    ...(r.owner ? { owner: r.owner } : {}),
    firstSeen: NOW.toISOString(),
  });
}

function imageFinding(i: number, severity: Severity, repo: string, tag: string, ageInDays: number): FindingChange {
  const r = REGISTRIES[i % REGISTRIES.length]!;
  const id = registryId(r.sub, r.rg, r.name);
  const digest = `sha256:${String(i).padStart(2, '0')}${'ab'.repeat(31)}`;
  return aChange('opened', {
    id: `imagefresh${String(i).padStart(22, '0')}`,
    ruleId: 'image.fresh', title: ruleById('image.fresh')!.title, severity,
    message: `${repo}:${tag} was updated ${ageInDays} days ago (limit 90)`,
    evidence: { tags: [tag], ageInDays, lastUpdateTime: '2024-03-20T08:15:00Z', limitDays: 90 },
    scopeId: id.toLowerCase(), resourceId: id, subject: `${r.name}.azurecr.io/${repo}@${digest}`, subscriptionId: r.sub, registry: `${r.name}.azurecr.io`,
    ...(r.owner ? { owner: r.owner } : {}),
    firstSeen: NOW.toISOString(),
  });
}

/** 30 opened: 9 high, 10 medium, 11 low (below the default threshold, medium). */
export function nightlyChanges(): FindingChange[] {
  const out: FindingChange[] = [];
  for (let i = 0; i < 4; i++) out.push(registryFinding(i, 'registry.admin-user-disabled', 'high', 'The admin user is enabled.', { adminUserEnabled: true, changedBy: 'j.doe@contoso.com', changedAt: '2025-02-11T16:42:00Z' }));
  for (let i = 0; i < 5; i++) out.push(registryFinding(i + 2, 'registry.anonymous-pull-disabled', 'high', 'Anonymous pull is enabled: anyone can pull without signing in.', { anonymousPullEnabled: true }));
  for (let i = 0; i < 6; i++) out.push(registryFinding(i, 'registry.public-network-restricted', 'medium', 'Public network access is enabled with default action Allow.', { publicNetworkAccess: 'Enabled', defaultAction: 'Allow' }));
  for (let i = 0; i < 4; i++) out.push(imageFinding(i, 'medium', `team/service-${i}`, `1.${i}.0`, 200 + 37 * i));
  for (let i = 0; i < 11; i++) out.push(imageFinding(i + 10, 'low', `team/tool-${i}`, `0.${i}`, 100 + i));
  return out;
}

/** A push of an unlabeled image by the admin account into contosoprod: three findings on one registry. */
export function pushChanges(hostile = false): FindingChange[] {
  const r = REGISTRIES[0]!;
  const id = registryId(r.sub, r.rg, r.name);
  const tag = hostile ? HOSTILE_TAG : '2.4.1';
  const base = { scopeId: id.toLowerCase(), resourceId: id, subscriptionId: r.sub, registry: `${r.name}.azurecr.io`, owner: 'platform-team', firstSeen: NOW.toISOString() };
  return [
    aChange('opened', { ...base, id: 'push0000000000000000000000000001', ruleId: 'registry.admin-user-unused', title: ruleById('registry.admin-user-unused')!.title, severity: 'high',
      subject: id, message: `the admin account contosoprod pushed team/checkout:${tag}`,
      evidence: { actor: 'contosoprod', time: '2025-03-04T01:58:12Z', sourceAddress: '203.0.113.7', userAgent: 'docker/27.3.1 go/go1.22.7', repository: 'team/checkout' } }),
    aChange('opened', { ...base, id: 'push0000000000000000000000000002', ruleId: 'image.provenance-labeled', title: ruleById('image.provenance-labeled')!.title, severity: 'high',
      subject: `${r.name}.azurecr.io/team/checkout:2.4.1`, message: `team/checkout:${tag} has no org.opencontainers.image.source or revision (annotation or label)`,
      evidence: { missing: ['org.opencontainers.image.source', 'org.opencontainers.image.revision'], platform: 'linux/amd64' } }),
    aChange('opened', { ...base, id: 'push0000000000000000000000000003', ruleId: 'registry.admin-user-disabled', title: ruleById('registry.admin-user-disabled')!.title, severity: 'high',
      subject: id, message: 'The admin user is enabled.', evidence: { adminUserEnabled: true, changedBy: 'j.doe@contoso.com' } }),
  ];
}

const policy = { ...DEFAULT_POLICY, channels: CHANNELS, routes: [{ name: 'default', match: {}, targets: { teams: true as const, email: ['secops@contoso.com'] } }] };
const ctx = { now: NOW, portalUrl: PORTAL_URL, findingsUrl: FINDINGS_URL, remediationFor: (id: string) => ruleById(id)?.remediation };

export function planNightly(changes = nightlyChanges()): PlannedNotification[] {
  return planNotifications(changes, { ...ctx, origin: { kind: 'nightly', runId: 'run-2025-03-04' } }, policy);
}

export function planPush(changes = pushChanges()): PlannedNotification[] {
  return planNotifications(changes, { ...ctx, origin: { kind: 'event', eventId: 'evt-push-1' } }, policy);
}

export function cardOf(ns: PlannedNotification[]): Record<string, unknown> {
  const n = ns.find((x) => x.payload.channel === 'teams');
  if (n?.payload.channel !== 'teams') throw new Error('no Teams notification');
  return n.payload.message.attachments[0]!.content;
}

export function emailOf(ns: PlannedNotification[]): { subject: string; text: string; html: string } {
  const n = ns.find((x) => x.payload.channel === 'email');
  if (n?.payload.channel !== 'email') throw new Error('no email notification');
  return n.payload;
}
