/**
 * `acr-auditor report [--output FILE] [--status S] [--store DIR]`: the findings page as one
 * self-contained HTML file (no external fetch: styles and the filter script are inline, a CSP forbids
 * the rest), from the configured storage or the local store. Without --output it goes to stdout.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { loadConfig } from '../shared/config.js';
import { renderFindingsReport } from '../shared/usecases/readFindings.js';
import { cliLogger, UsageError, type CliIo } from './common.js';
import { startRuntime } from './runtime.js';
import { readableStore, STORE_OPTIONS } from './store.js';

const STATUSES = ['open', 'resolved', 'suppressed', 'all'] as const;

export async function cmdReport(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { output: { type: 'string', short: 'o' }, status: { type: 'string' }, ...STORE_OPTIONS }, strict: true });
  const status = (values.status ?? 'open').toLowerCase();
  if (!(STATUSES as readonly string[]).includes(status)) throw new UsageError(`--status must be one of ${STATUSES.join(', ')}; got ${JSON.stringify(values.status)}`);
  const config = loadConfig();
  const store = readableStore('report', values, config);
  const runtime = await startRuntime({ log: cliLogger(io, false), storageOnly: true, ...(store ? { store } : {}) });
  try {
    const { services } = runtime;
    const source = runtime.storeDir ?? (services.storage.kind === 'identity' ? services.storage.tableServiceUri : 'configured storage');
    const { html, page } = await renderFindingsReport({ findings: services.findings, portalUrl: services.config.cloud.portalUrl, clock: services.deps.clock }, { source, status: status as (typeof STATUSES)[number] });
    if (values.output) {
      await writeFile(values.output, html);
      io.err(`wrote ${values.output}: ${page.total} findings (${Object.entries(page.bySeverity).map(([k, v]) => `${v} ${k}`).join(', ') || 'none'}); open it in a browser, it needs no network`);
    } else io.out(html);
    return 0;
  } finally {
    await runtime.close();
  }
}
