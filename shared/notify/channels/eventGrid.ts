/**
 * Event Grid, the pure half: every opened / escalated / resolved change of an origin, unfiltered and
 * unrouted, as CloudEvents 1.0 (`AcrAuditor.Finding.*`) in bounded batches. Adapter: ../eventGridPublisher.ts.
 */
import type { FindingChange } from '../../domain/finding.js';
import { stableHash } from '../../domain/hash.js';
import { severityRank, type Severity } from '../../domain/severity.js';
import { boundJsonTotal, boundText, EVIDENCE_BOUNDS, utf8Bytes } from '../bound.js';
import { FIELD_BOUNDS } from '../plan.js';
import type { ChannelPayload, ChannelRenderer } from './types.js';

/** A CloudEvent 1.0 as published to Event Grid. */
export interface FindingCloudEvent {
  id: string;
  source: string;
  type: 'AcrAuditor.Finding.Opened' | 'AcrAuditor.Finding.Escalated' | 'AcrAuditor.Finding.Resolved';
  subject: string;
  time: string;
  specversion: '1.0';
  datacontenttype: 'application/json';
  data: Record<string, unknown>;
}

declare module './types.js' {
  interface ChannelTargets {
    /** Enabled (a topic is configured). */
    eventgrid: true;
  }
  interface ChannelPayloads {
    eventgrid: { events: FindingCloudEvent[] };
  }
}

export const EVENTGRID_BATCH = 100;
/**
 * UTF-8 bytes of one Event Grid batch (the JSON array). Event Grid accepts 1 MB per event and per
 * array (413 above); we stay at half of it, which also keeps the stored payload (UTF-16 in Table
 * Storage) well inside the outbox's entity budget.
 */
export const EVENTGRID_MAX_BATCH_BYTES = 512 * 1024;
export const EVENT_SOURCE = '/acr-auditor';

function cloudEvent(change: FindingChange, key: string, now: Date): FindingCloudEvent {
  const f = change.finding;
  const type = change.kind === 'resolved' ? 'AcrAuditor.Finding.Resolved' : change.kind === 'escalated' ? 'AcrAuditor.Finding.Escalated' : 'AcrAuditor.Finding.Opened';
  const b = FIELD_BOUNDS;
  return {
    id: stableHash(['cloudevent', f.id, change.kind, key]),
    source: EVENT_SOURCE,
    type,
    subject: boundText(f.resourceId, b.resourceId),
    time: now.toISOString(),
    specversion: '1.0',
    datacontenttype: 'application/json',
    data: {
      findingId: boundText(f.id, b.findingId), ruleId: boundText(f.ruleId, b.ruleId), title: boundText(f.title, b.title), severity: f.severity, change: change.kind, status: f.status,
      outcome: f.outcome, resourceId: boundText(f.resourceId, b.resourceId), subject: boundText(f.subject, b.subject),
      registry: f.registry === undefined ? undefined : boundText(f.registry, b.registry),
      subscriptionId: f.subscriptionId === undefined ? undefined : boundText(f.subscriptionId, b.subscriptionId),
      message: boundText(f.message, b.message), evidence: boundJsonTotal(f.evidence, EVIDENCE_BOUNDS, b.evidenceJson),
      firstSeen: f.firstSeen, lastSeen: f.lastSeen, resolvedAt: f.resolvedAt,
      ...(change.previous && change.kind === 'escalated' ? { previousSeverity: change.previous.severity } : {}),
      origin: key,
    },
  };
}

/**
 * Splits events into batches of at most EVENTGRID_BATCH events and EVENTGRID_MAX_BATCH_BYTES (UTF-8
 * JSON). Every event is bounded where it is built (far below the limit), so each batch holds one at least.
 */
function eventBatches<T extends { event: FindingCloudEvent }>(xs: T[]): T[][] {
  const out: T[][] = [];
  let cur: T[] = [];
  let bytes = 2;
  for (const x of xs) {
    const size = utf8Bytes(JSON.stringify(x.event)) + 1;
    if (cur.length && (cur.length >= EVENTGRID_BATCH || bytes + size > EVENTGRID_MAX_BATCH_BYTES)) {
      out.push(cur);
      cur = [];
      bytes = 2;
    }
    cur.push(x);
    bytes += size;
  }
  if (cur.length) out.push(cur);
  return out;
}

export const eventGridRenderer: ChannelRenderer<'eventgrid'> = {
  id: 'eventgrid',
  isTarget: (t): t is true => t === true,
  isPayload: (p): p is ChannelPayload<'eventgrid'> => p.channel === 'eventgrid',
  feed(changes, { key, now }) {
    const published = [...changes].sort((a, b) => a.finding.id.localeCompare(b.finding.id) || a.kind.localeCompare(b.kind));
    return eventBatches(published.map((c) => ({ change: c, event: cloudEvent(c, key, now) }))).map((pairs, i) => {
      const events = pairs.map((p) => p.event);
      return {
        idParts: [String(i), ...events.map((e) => e.id)],
        payload: { channel: 'eventgrid', events },
        total: pairs.length,
        severity: pairs.reduce<Severity>((m, p) => (severityRank(p.change.finding.severity) > severityRank(m) ? p.change.finding.severity : m), 'informational'),
        summary: `Event Grid: ${pairs.length.toLocaleString('en-US')} CloudEvent(s)`,
      };
    });
  },
  summarize(payload, { minimal }) {
    if (minimal) return { channel: 'eventgrid', events: [] };
    // Keep one event per finding, reduced to its identifiers.
    return {
      channel: 'eventgrid',
      events: payload.events.slice(0, EVENTGRID_BATCH).map((e) => ({
        ...e, subject: boundText(e.subject, 200),
        data: { findingId: boundText(String(e.data.findingId ?? ''), 100), ruleId: boundText(String(e.data.ruleId ?? ''), 200), severity: e.data.severity, change: e.data.change, origin: e.data.origin, truncated: true },
      })),
    };
  },
};
