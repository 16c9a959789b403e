// Builders and the Adaptive Cards validator shared by the notification tests.
import { createRequire } from 'node:module';
import type { ChangeKind, Finding, FindingChange } from '../../shared/domain/finding.js';
import type { Severity } from '../../shared/domain/severity.js';

export const NOW = new Date('2025-03-04T02:00:00.000Z');
export const SUB = '00000000-0000-0000-0000-000000000001';
export const SUB2 = '00000000-0000-0000-0000-000000000002';

export function aFinding(over: Partial<Finding> = {}): Finding {
  const registry = over.registry ?? 'contosoprod.azurecr.io';
  const name = registry.split('.')[0];
  return {
    id: 'f0000000000000000000000000000001',
    scopeId: `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/${name}`,
    resourceId: `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/${name}`,
    subject: `${registry}/team/app:1.0`,
    subscriptionId: SUB,
    registry,
    ruleId: 'registry.admin-user-disabled',
    title: 'Registry admin user is disabled',
    severity: 'high',
    status: 'open',
    outcome: 'fail',
    message: 'The admin user is enabled.',
    evidence: { adminUserEnabled: true },
    firstSeen: NOW.toISOString(),
    lastSeen: NOW.toISOString(),
    lastAuditId: 'run-1',
    ...over,
  };
}

export function aChange(kind: ChangeKind, over: Partial<Finding> = {}, previous?: Partial<Finding>): FindingChange {
  const finding = aFinding(over);
  return { kind, finding, ...(previous ? { previous: { ...finding, ...previous } } : {}) };
}

export function manyOpened(n: number, severity: Severity = 'high'): FindingChange[] {
  return Array.from({ length: n }, (_, i) => aChange('opened', {
    id: `f${String(i).padStart(31, '0')}`,
    subject: `contosoprod.azurecr.io/team/app:${i}`,
    severity,
  }));
}

const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const AC = require('adaptivecards/dist/adaptivecards.js') as any;

/** Parses a card with the Adaptive Cards SDK (as a 1.4 host) and returns every parse/validation message. */
export function validateCard(content: unknown): string[] {
  const card = new AC.AdaptiveCard();
  const ctx = new AC.SerializationContext(AC.Versions.v1_4);
  card.parse(content, ctx);
  const problems: string[] = [];
  for (let i = 0; i < ctx.eventCount; i++) problems.push(String(ctx.getEventAt(i).message));
  const results = card.validateProperties();
  for (const e of results.validationEvents) problems.push(String(e.message));
  return problems;
}

/** Every string value inside a JSON value. */
export function strings(x: unknown): string[] {
  if (typeof x === 'string') return [x];
  if (Array.isArray(x)) return x.flatMap(strings);
  if (x && typeof x === 'object') return Object.values(x).flatMap(strings);
  return [];
}

export const HOSTILE_TAG = '1.0\r\nBcc: victim@evil.test\r\n[click](https://evil.test) <at>Everyone</at> **bold** &#60;at&#62; \u202etxt.exe `x` | # !';
