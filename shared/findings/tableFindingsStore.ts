/**
 * Findings on Azure Table Storage. One partition per scope (a registry, a subscription's workloads),
 * one row `f-<id>` per finding holding its state and its history (transitions, capped), so a finding
 * and its history change together in one entity write; rows are written in transactions of at most
 * 100 actions. Keys are encoded (`keys.ts`), so any input is safe.
 */
import { odata, type TableClient, type TableEntityResult, type TransactionAction } from '@azure/data-tables';
import type { Finding, FindingStatus } from '../domain/finding.js';
import { isSeverity } from '../domain/severity.js';
import type { HistoryEntry, StoredFinding } from './diff.js';
import { FINDING_ROW_PREFIX, findingRowKey, partitionKeyFor } from './keys.js';
import { lazyEnsureTable } from '../storage/clients.js';

export interface FindingsStore {
  /** Every finding row (open, suppressed, resolved) of one scope. */
  listScope(scopeId: string): Promise<StoredFinding[]>;
  /** The stored findings among `ids` in one scope (point lookups: cost independent of the scope's size). */
  getFindings(scopeId: string, ids: readonly string[]): Promise<StoredFinding[]>;
  /** Writes findings (with their history) of one scope. */
  save(scopeId: string, findings: readonly StoredFinding[]): Promise<void>;
  /** Every finding across scopes, optionally by status and by the audit that last touched it. */
  listFindings(options?: { status?: FindingStatus; lastAuditId?: string }): AsyncIterable<StoredFinding>;
  /** The transitions of one finding, oldest first. */
  listHistory(scopeId: string, id: string): Promise<HistoryEntry[]>;
}

const MAX_BATCH = 100;
const LOOKUP_GROUP = 15;
const MAX_STRING = 30_000; // Table string properties hold 64 KiB (32K UTF-16 chars); keep headroom.

function cap(s: string): string {
  return s.length > MAX_STRING ? `${s.slice(0, MAX_STRING - 1)}…` : s;
}

interface FindingEntity {
  partitionKey: string;
  rowKey: string;
  findingId: string;
  ruleId: string;
  title: string;
  severity: string;
  status: string;
  outcome: string;
  scopeId: string;
  resourceId: string;
  subject: string;
  subscriptionId?: string;
  registry?: string;
  message: string;
  evidence: string;
  firstSeen: string;
  lastSeen: string;
  resolvedAt?: string;
  resolution?: string;
  suppression?: string;
  lastAuditId: string;
  lastChange?: string;
  history?: string;
}

function toEntity(f: StoredFinding): FindingEntity {
  const e: FindingEntity = {
    partitionKey: partitionKeyFor(f.scopeId),
    rowKey: findingRowKey(f.id),
    findingId: f.id,
    ruleId: f.ruleId,
    title: f.title,
    severity: f.severity,
    status: f.status,
    outcome: f.outcome,
    scopeId: f.scopeId,
    resourceId: f.resourceId,
    subject: cap(f.subject),
    message: cap(f.message),
    evidence: cap(JSON.stringify(f.evidence)),
    firstSeen: f.firstSeen,
    lastSeen: f.lastSeen,
    lastAuditId: f.lastAuditId,
  };
  if (f.subscriptionId) e.subscriptionId = f.subscriptionId;
  if (f.registry) e.registry = f.registry;
  if (f.resolvedAt) e.resolvedAt = f.resolvedAt;
  if (f.resolution) e.resolution = f.resolution;
  if (f.suppression) e.suppression = JSON.stringify(f.suppression);
  if (f.lastChange) e.lastChange = f.lastChange;
  if (f.history?.length) e.history = historyJson(f.history);
  return e;
}

/** History as JSON within the property limit: the oldest entries after the first go first. */
function historyJson(h: readonly HistoryEntry[]): string {
  let entries = [...h];
  let json = JSON.stringify(entries);
  while (json.length > MAX_STRING && entries.length > 2) {
    entries = [entries[0]!, ...entries.slice(2)];
    json = JSON.stringify(entries);
  }
  return json;
}

function parseJson(s: unknown, fallback: unknown): unknown {
  if (typeof s !== 'string') return fallback;
  try {
    return JSON.parse(s);
  } catch {
    return fallback;
  }
}

function fromEntity(e: TableEntityResult<Record<string, unknown>>): StoredFinding {
  const str = (k: string): string | undefined => (typeof e[k] === 'string' ? (e[k] as string) : undefined);
  const severity = str('severity');
  const f: StoredFinding = {
    id: str('findingId')!,
    ruleId: str('ruleId')!,
    title: str('title') ?? '',
    severity: severity && isSeverity(severity) ? severity : 'medium',
    status: (str('status') ?? 'open') as FindingStatus,
    outcome: str('outcome') === 'error' ? 'error' : 'fail',
    scopeId: str('scopeId')!,
    resourceId: str('resourceId')!,
    subject: str('subject')!,
    message: str('message') ?? '',
    evidence: parseJson(e.evidence, {}) as Record<string, unknown>,
    firstSeen: str('firstSeen')!,
    lastSeen: str('lastSeen')!,
    lastAuditId: str('lastAuditId') ?? '',
  };
  const opt = (k: 'subscriptionId' | 'registry' | 'resolvedAt') => {
    const v = str(k);
    if (v) f[k] = v;
  };
  opt('subscriptionId');
  opt('registry');
  opt('resolvedAt');
  const resolution = str('resolution');
  if (resolution) f.resolution = resolution as Finding['resolution'];
  if (str('suppression')) f.suppression = parseJson(e.suppression, undefined) as Finding['suppression'];
  const lastChange = str('lastChange');
  if (lastChange) f.lastChange = lastChange as StoredFinding['lastChange'];
  const history = parseJson(e.history, undefined);
  if (Array.isArray(history)) f.history = history as HistoryEntry[];
  return f;
}

export class TableFindingsStore implements FindingsStore {
  private readonly ensure: () => Promise<void>;

  constructor(private readonly client: TableClient) {
    this.ensure = lazyEnsureTable(client);
  }

  async listScope(scopeId: string): Promise<StoredFinding[]> {
    await this.ensure();
    const pk = partitionKeyFor(scopeId);
    const out: StoredFinding[] = [];
    const filter = odata`PartitionKey eq ${pk} and RowKey ge ${FINDING_ROW_PREFIX} and RowKey lt ${'f.'}`;
    for await (const e of this.client.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) out.push(fromEntity(e));
    return out;
  }

  async getFindings(scopeId: string, ids: readonly string[]): Promise<StoredFinding[]> {
    const unique = [...new Set(ids)];
    if (!unique.length) return [];
    await this.ensure();
    const pk = partitionKeyFor(scopeId);
    const out: StoredFinding[] = [];
    // One query per group of ids: PartitionKey plus an OR of RowKeys (each key is a point match).
    for (let i = 0; i < unique.length; i += LOOKUP_GROUP) {
      const rows = unique.slice(i, i + LOOKUP_GROUP).map((id) => odata`RowKey eq ${findingRowKey(id)}`);
      const filter = `${odata`PartitionKey eq ${pk}`} and (${rows.join(' or ')})`;
      for await (const e of this.client.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) out.push(fromEntity(e));
    }
    return out;
  }

  async save(scopeId: string, findings: readonly StoredFinding[]): Promise<void> {
    if (!findings.length) return;
    await this.ensure();
    const pk = partitionKeyFor(scopeId);
    const actions: TransactionAction[] = [];
    for (const f of findings) {
      if (partitionKeyFor(f.scopeId) !== pk) throw new Error(`finding ${f.id} belongs to scope ${f.scopeId}, not ${scopeId}`);
      actions.push(['upsert', toEntity(f) as unknown as Record<string, unknown> & { partitionKey: string; rowKey: string }, 'Replace']);
    }
    for (let i = 0; i < actions.length; i += MAX_BATCH) {
      await this.client.submitTransaction(actions.slice(i, i + MAX_BATCH));
    }
  }

  async *listFindings(options: { status?: FindingStatus; lastAuditId?: string } = {}): AsyncIterable<StoredFinding> {
    await this.ensure();
    let filter = odata`RowKey ge ${FINDING_ROW_PREFIX} and RowKey lt ${'f.'}`;
    if (options.status) filter += odata` and status eq ${options.status}`;
    if (options.lastAuditId) filter += odata` and lastAuditId eq ${options.lastAuditId}`;
    for await (const e of this.client.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) yield fromEntity(e);
  }

  async listHistory(scopeId: string, id: string): Promise<HistoryEntry[]> {
    const [f] = await this.getFindings(scopeId, [id]);
    return f?.history ?? [];
  }

}
