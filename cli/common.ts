/**
 * What the CLI's commands share (main, demo, notifications): its I/O, usage errors, one nightly audit
 * through the local queue workers and the delivery of its alerts. A module of its own so that the
 * commands loaded lazily by cli/main.ts do not import cli/main.ts back (no import cycle).
 */
import { randomUUID } from 'node:crypto';
import type { Gap } from '../shared/domain/snapshots.js';
import type { Logger } from '../shared/usecases/common.js';
import { runNightlyLocally } from './localQueue.js';
import { collectFindings, gapsOut, terminalSafe, type AuditReport, type StatusFilter } from './output.js';
import type { Runtime } from './runtime.js';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface CliIo {
  out: (s: string) => void;
  err: (s: string) => void;
  isTty: boolean;
  /** stdout is a terminal (colours; see cli/help.ts useColor). */
  outIsTty?: boolean;
  /** Rewrites one status line on a terminal (no newline). */
  progress?: (s: string) => void;
}

export function cliLogger(io: CliIo, verbose: boolean): Logger {
  const line = (level: string, message: string, fields?: Record<string, unknown>) =>
    io.err(terminalSafe(`[${level}] ${message}${fields && Object.keys(fields).length ? ` ${JSON.stringify(fields)}` : ''}`));
  return {
    info: (m, f) => verbose && line('info', m, f),
    warn: (m, f) => line('warn', m, f),
    error: (m, f) => line('error', m, f),
  };
}

/** One nightly audit through the local queue workers; the report of what the store holds afterwards. */
export async function auditOnce(
  runtime: Runtime,
  options: { workers: number; status: StatusFilter; io?: CliIo; runId?: string },
): Promise<AuditReport> {
  const { services } = runtime;
  const runId = options.runId ?? `run-${services.deps.clock().toISOString().replace(/[:.]/g, '')}-${randomUUID().slice(0, 8)}`;
  const io = options.io;
  const result = await runNightlyLocally(services.deps, { queue: services.shardQueue, poison: services.shardPoisonQueue }, {
    runId,
    workers: options.workers,
    maxDequeueCount: 3,
    retryAfterSeconds: 1,
    timeoutInMs: 30 * 60_000,
    ...(io?.isTty && io.progress
      ? { onProgress: (done: number, total: number) => io.progress!(`  audited ${done}/${total} shards${done === total ? '\n' : ''}`) }
      : {}),
  });
  const shards = await services.runs.listShards(runId);
  const gaps: Gap[] = [...result.run.planningGaps, ...shards.flatMap((s) => s.gaps)];
  const findings = await collectFindings(services.findings, options.status);
  return {
    run: {
      id: runId,
      startedAt: result.run.startedAt,
      finishedAt: result.run.finishedAt ?? services.deps.clock().toISOString(),
      complete: result.run.status === 'complete',
      gaps: gapsOut(gaps),
      counts: result.run.counts ?? { opened: 0, stillOpen: 0, resolved: 0, suppressed: 0 },
    },
    findings,
  };
}

/** Sends what the audit put in the outbox (when a channel is configured) and says how it went, on stderr. */
export async function deliverAlerts(runtime: Runtime, io: CliIo): Promise<void> {
  if (!runtime.notifications) return;
  const d = await runtime.notifications.deliver();
  if (d.sent || d.retried || d.failed) {
    const later = d.retried ? `, ${d.retried} to retry${runtime.embeddedStorage ? ' (lost with the embedded storage: configure AUDITOR_STORAGE to keep the outbox)' : ''}` : '';
    io.err(`alerts: ${d.sent} sent, ${d.failed} failed${later}`);
  }
}
