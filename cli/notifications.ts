/** `acr-auditor notifications [--status ...]`: the outbox, to see what was sent, what waits and what failed. */
import { parseArgs } from 'node:util';
import { loadConfig } from '../shared/config.js';
import { OUTBOX_STATUSES } from '../shared/notify/outbox.js';
import { UsageError, cliLogger, type CliIo } from './common.js';
import { terminalSafe } from './output.js';
import { startRuntime } from './runtime.js';
import { readableStore, STORE_OPTIONS } from './store.js';

export async function cmdNotifications(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { status: { type: 'string' }, format: { type: 'string' }, ...STORE_OPTIONS }, strict: true });
  const status = values.status ?? 'all';
  if (status !== 'all' && !(OUTBOX_STATUSES as readonly string[]).includes(status)) {
    throw new UsageError(`--status must be one of all, ${OUTBOX_STATUSES.join(', ')}; got ${JSON.stringify(status)}`);
  }
  const format = values.format ?? 'table';
  if (format !== 'table' && format !== 'json') throw new UsageError('--format must be table or json');
  const config = loadConfig();
  // The configured storage, or the local store that audit, event and demo keep (default .acr-auditor/).
  const store = readableStore('notifications', values, config);
  const runtime = await startRuntime({ log: cliLogger(io, false), storageOnly: true, ...(store ? { store } : {}) });
  try {
    // The composition's outbox (the one the audits enqueue to), not a second one built here.
    const outbox = runtime.notifications?.outbox;
    if (!outbox) throw new UsageError('notifications: no notification channel is configured, so there is no outbox to list (configure a channel, e.g. AUDITOR_TEAMS_WEBHOOK_URL)');
    const rows = [];
    for await (const r of outbox.listNotifications(status === 'all' ? {} : { status: status as (typeof OUTBOX_STATUSES)[number] })) rows.push(r);
    if (format === 'json') io.out(JSON.stringify({ notifications: rows }, null, 2));
    else {
      io.out(`${rows.length} notification(s)`);
      for (const r of rows as unknown as Array<Record<string, unknown>>) {
        io.out(terminalSafe(`  ${String(r.status).padEnd(8)} ${String(r.channel ?? '').padEnd(9)} ${String(r.kind ?? '').padEnd(9)} attempts ${String(r.attempts ?? 0).padStart(2)}  ${String(r.summary ?? r.id)}${r.lastError ? `  last error: ${String(r.lastError)}` : ''}`));
      }
    }
    return 0;
  } finally {
    await runtime.close();
  }
}
