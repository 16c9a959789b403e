#!/usr/bin/env node
/**
 * acr-auditor: the local and CI entry point. The same use cases as the Azure Functions.
 *
 *   acr-auditor audit  [--estate FILE] [--format table|json] [--status open|resolved|suppressed|all] [--workers N] [--fail-on SEVERITY] [--now ISO]
 *   acr-auditor event  FILE... [--estate FILE] [--format table|json] [--status ...] [--now ISO]
 *   acr-auditor findings [--status open|resolved|suppressed|all] [--format table|json]
 *   acr-auditor notifications [--status pending|sent|failed|all] [--format table|json]
 *   acr-auditor rules  [--format table|json|markdown] [--output FILE]
 *   acr-auditor emulator --estate FILE [--port N] [--proxy-port N] [--ca-file FILE]
 *   acr-auditor demo   [--output DIR] [--keep]
 *   acr-auditor redrive [--list] [--max N] [--format table|json]
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type StorageConfig } from '../shared/config.js';
import { countChanges, type FindingChange } from '../shared/domain/finding.js';
import { atLeast, severityRank, type Severity } from '../shared/domain/severity.js';
import { parseEventBatch } from '../shared/events/parse.js';
import { RULES } from '../shared/rules/catalog.js';
import { renderRulesMarkdown } from '../shared/rules/docs.js';
import { profileOf } from '../shared/rules/kit.js';
import { auditAndPublishEvents } from '../shared/usecases/auditPushDelivery.js';
import { handleRedrive } from '../shared/host.js';
import { describeStorageError } from '../shared/storage/clients.js';
import { clockStartingAt } from '../shared/util/clock.js';
import { collectFindings, errorLine, gapsOut, terminalSafe, toFindingOut, type AuditReport, type FindingOut, type StatusFilter } from './output.js';
import { CredentialError, startRuntime } from './runtime.js';
import { readableStore, storeFlags, STORE_OPTIONS } from './store.js';
import { renderHistories } from './history.js';
import { auditOnce, cliLogger, deliverAlerts, UsageError, type CliIo } from './common.js';
import { cliVersion, COMMAND_HELP, emitFindings, failOnTripped, OUTPUT_OPTIONS, parseFormat, parseSeverity, pickLower, quietIo } from './help.js';
import { renderFindingsReport } from '../shared/usecases/readFindings.js';
import type { Runtime } from './runtime.js';

export { auditOnce, cliLogger, UsageError, type CliIo } from './common.js';

const defaultIo: CliIo = {
  out: (s) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`),
  err: (s) => process.stderr.write(s.endsWith('\n') ? s : `${s}\n`),
  isTty: Boolean(process.stderr.isTTY),
  outIsTty: Boolean(process.stdout.isTTY),
  progress: (s) => process.stderr.write(`\r\x1b[K${s}`),
};

const STATUSES: readonly StatusFilter[] = ['open', 'resolved', 'suppressed', 'all'];

/** A choice flag, any case (`--status OPEN`). */
function pick<T extends string>(name: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  return pickLower(name, value, allowed, fallback);
}

function parseNow(value: string | undefined): (() => Date) | undefined {
  if (value === undefined) return undefined;
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new UsageError(`--now must be an ISO date, got ${JSON.stringify(value)}`);
  return clockStartingAt(new Date(t));
}

function parseSeverityFlag(value: string | undefined): Severity | undefined {
  return parseSeverity('fail-on', value);
}

/** --format html: the findings page (shared/findings/page.ts) over the store the command used. */
function htmlOf(runtime: Runtime, status: StatusFilter): () => Promise<string> {
  const { services } = runtime;
  return async () => (await renderFindingsReport(
    { findings: services.findings, portalUrl: services.config.cloud.portalUrl, clock: services.deps.clock },
    { source: runtime.storeDir ?? 'this run', status },
  )).html;
}

async function cmdAudit(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      estate: { type: 'string' },
      ...OUTPUT_OPTIONS,
      status: { type: 'string' },
      workers: { type: 'string' },
      'fail-on': { type: 'string' },
      now: { type: 'string' },
      verbose: { type: 'boolean', short: 'v' },
      ...STORE_OPTIONS,
    },
    strict: true,
    allowPositionals: false,
  });
  io = quietIo(io, values.quiet === true);
  const format = parseFormat(values.format);
  const status = pick('status', values.status, STATUSES, 'open');
  const workers = values.workers === undefined ? 4 : Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) throw new UsageError(`--workers must be a whole number from 1 to 64`);
  const failOn = parseSeverityFlag(values['fail-on']);
  const clock = parseNow(values.now);
  const log = cliLogger(io, values.verbose === true);

  const store = storeFlags(values);
  const runtime = await startRuntime({ ...(values.estate ? { estateFile: values.estate } : {}), log, ...(clock ? { clock } : {}), ...(store ? { store } : {}) });
  try {
    for (const w of runtime.services.config.warnings) io.err(`warning: ${w}`);
    if (runtime.storeDir) io.err(`findings kept in ${runtime.storeDir} (--ephemeral to keep nothing)`);
    const report = await auditOnce(runtime, { workers, status, io });
    await deliverAlerts(runtime, io);
    await emitFindings(io, report.findings, report.run, { format, output: values.output, html: htmlOf(runtime, status) });
    return failOnTripped(io, report.findings, failOn, atLeast) ? 3 : 0;
  } finally {
    await runtime.close();
  }
}

async function cmdEvent(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { estate: { type: 'string' }, ...OUTPUT_OPTIONS, status: { type: 'string' }, 'fail-on': { type: 'string' }, now: { type: 'string' }, verbose: { type: 'boolean', short: 'v' }, ...STORE_OPTIONS },
    strict: true,
    allowPositionals: true,
  });
  if (!positionals.length) throw new UsageError('event: give at least one event file (a JSON event or an array of events)');
  io = quietIo(io, values.quiet === true);
  const format = parseFormat(values.format);
  const status = pick('status', values.status, STATUSES, 'open');
  const failOn = parseSeverityFlag(values['fail-on']);
  let tripped = false;
  const clock = parseNow(values.now);
  const log = cliLogger(io, values.verbose === true);

  // Read and parse everything first: a bad file is reported with its position, the good events still run.
  const problems: string[] = [];
  const batches = [];
  for (const file of positionals) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      problems.push(`${file}: cannot read: ${e instanceof Error ? e.message : String(e)}`);
      continue;
    }
    const parsed = parseEventBatch(text);
    for (const r of parsed.rejected) problems.push(`${file}: ${r.index < 0 ? 'body' : `event ${r.index}`}${r.eventId ? ` (id ${terminalSafe(r.eventId)})` : ''}: ${r.field}: ${r.reason}`);
    for (const i of parsed.ignored) log.warn(`${file}: event ${i.index} ignored: ${i.reason}`);
    batches.push(parsed);
  }
  const events = batches.flatMap((b) => b.events);
  const store = storeFlags(values);
  const runtime = await startRuntime({ ...(values.estate ? { estateFile: values.estate } : {}), log, ...(clock ? { clock } : {}), ...(store ? { store } : {}) });
  try {
    for (const w of runtime.services.config.warnings) io.err(`warning: ${w}`);
    const startedAt = runtime.services.deps.clock().toISOString();
    // The push-triggered Function's use case: audit, then publish the committed changes.
    const outcomes = await auditAndPublishEvents(runtime.services.deps, events);
    const changes: FindingChange[] = outcomes.flatMap((o) => o.changes);
    const gaps = outcomes.flatMap((o) => o.gaps);
    for (const o of outcomes) if (o.status === 'ignored') log.warn(`event ${terminalSafe(o.eventId)} ignored: ${o.reason}`);
    await deliverAlerts(runtime, io);
    const report: AuditReport = {
      run: {
        id: `events-${startedAt.replace(/[:.]/g, '')}`,
        startedAt,
        finishedAt: runtime.services.deps.clock().toISOString(),
        complete: problems.length === 0 && gaps.length === 0,
        gaps: gapsOut(gaps),
        counts: countChanges(changes),
      },
      // Only what these events produced (opened, refreshed, escalated, resolved), not every stored finding.
      findings: producedFindings(changes, status),
    };
    await emitFindings(io, report.findings, report.run, { format, output: values.output, html: htmlOf(runtime, status) });
    tripped = failOnTripped(io, report.findings, failOn, atLeast);
  } finally {
    await runtime.close();
  }
  for (const p of problems) io.err(`rejected: ${p}`);
  return problems.length ? 2 : tripped ? 3 : 0;
}

/** The findings an audit's changes touched, once each (the latest state), filtered by status, most severe first. */
function producedFindings(changes: readonly FindingChange[], status: StatusFilter): FindingOut[] {
  const byId = new Map<string, FindingOut>();
  for (const c of changes) byId.set(c.finding.id, toFindingOut(c.finding));
  return [...byId.values()]
    .filter((f) => status === 'all' || f.status === status)
    .sort((a, b) => severityRank(b.severity as Severity) - severityRank(a.severity as Severity) || a.ruleId.localeCompare(b.ruleId) || a.subject.localeCompare(b.subject));
}

async function cmdFindings(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { status: { type: 'string' }, ...OUTPUT_OPTIONS, 'fail-on': { type: 'string' }, ...STORE_OPTIONS }, strict: true });
  io = quietIo(io, values.quiet === true);
  const status = pick('status', values.status, STATUSES, 'open');
  const format = parseFormat(values.format);
  const failOn = parseSeverityFlag(values['fail-on']);
  // The configured storage, or the local store that audit, event and demo keep (default .acr-auditor/).
  const store = readableStore('findings', values, loadConfig());
  const runtime = await startRuntime({ log: cliLogger(io, false), storageOnly: true, ...(store ? { store } : {}) });
  try {
    const findings = await collectFindings(runtime.services.findings, status);
    // Stored findings have no run: no run header.
    await emitFindings(io, findings, undefined, { format, output: values.output, html: htmlOf(runtime, status) });
    if (format === 'table' && !values.output) io.out(await renderHistories(runtime.services.findings, status));
    return failOnTripped(io, findings, failOn, atLeast) ? 3 : 0;
  } finally {
    await runtime.close();
  }
}

/**
 * `acr-auditor redrive [--list] [--max N] [--estate FILE]`: the pushes the Functions host gave up on
 * (image-pushed-poison) are listed, or re-audited now (the nightly run does this too): an event
 * audited resolves its coverage finding and leaves the poison queue; one that still fails stays.
 */
async function cmdRedrive(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { list: { type: 'boolean' }, max: { type: 'string' }, estate: { type: 'string' }, format: { type: 'string' } }, strict: true });
  const format = pick('format', values.format, ['table', 'json'] as const, 'table');
  const max = values.max === undefined ? 500 : Number(values.max);
  if (!Number.isInteger(max) || max < 1 || max > 10_000) throw new UsageError(`--max must be a whole number from 1 to 10000, got ${JSON.stringify(values.max)}`);
  if (loadConfig().storage.kind === 'none') {
    throw new UsageError('redrive: no storage is configured, so there is no poison queue to read. Set AUDITOR_STORAGE (connection string) or AUDITOR_STORAGE__queueServiceUri.');
  }
  const runtime = await startRuntime({ ...(values.estate ? { estateFile: values.estate } : {}), log: cliLogger(io, false) });
  try {
    const { pushPoisonQueue } = runtime.services;
    if (values.list) {
      // Received with a short visibility timeout and not deleted: listing changes nothing.
      const items = await pushPoisonQueue.receive(Math.min(32, max), 1);
      const rows = items.map((m) => ({ id: m.id, attempts: m.dequeueCount, events: describeDelivery(m.body) }));
      if (format === 'json') io.out(JSON.stringify({ poisoned: rows }, null, 2));
      else io.out(rows.length ? rows.map((r) => `${r.id}  ${r.events}`).join('\n') : 'no poisoned pushes');
      return 0;
    }
    const host = { services: runtime.services, ...(runtime.notifications ? { notifications: runtime.notifications } : {}) };
    const r = await handleRedrive(host, max);
    if (format === 'json') io.out(JSON.stringify({ read: r.read, redriven: r.redriven, stillFailing: r.stillFailing }, null, 2));
    else io.out(`poisoned pushes: ${r.read} read, ${r.redriven} re-audited, ${r.stillFailing} still failing`);
    if (runtime.notifications) await deliverAlerts(runtime, io);
    return r.stillFailing ? 1 : 0;
  } finally {
    await runtime.close();
  }
}

/** One line naming a poisoned delivery's events (id, repository, digest), bounded. */
function describeDelivery(body: unknown): string {
  const parsed = parseEventBatch(body);
  const events = parsed.events.map((e) => `${e.kind} ${e.loginServer}/${e.repository}@${e.digest.slice(0, 19)}`);
  const text = events.length ? events.join(', ') : `no valid event (${parsed.rejected.length} rejected)`;
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

async function cmdRules(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { format: { type: 'string' }, output: { type: 'string' } }, strict: true });
  const format = pick('format', values.format, ['table', 'json', 'markdown'] as const, 'table');
  let text: string;
  if (format === 'markdown') text = renderRulesMarkdown();
  else if (format === 'json') text = `${JSON.stringify(RULES.map(({ evaluate: _e, ...meta }) => ({ ...meta, profile: profileOf(meta) })), null, 2)}\n`;
  else {
    const w = Math.max(...RULES.map((r) => r.id.length));
    text = `${RULES.map((r) => `${r.id.padEnd(w)}  ${r.severity.padEnd(8)}  ${r.modes.join('+').padEnd(12)}  ${profileOf(r).padEnd(8)}  ${r.title}`).join('\n')}\n`;
  }
  if (values.output) {
    await writeFile(values.output, text);
    io.err(`wrote ${values.output}`);
  } else io.out(text);
  return 0;
}

const USAGE = `usage: acr-auditor <command> [options]

commands:
  audit          audit the estate once (real Azure, or --estate FILE through the loopback emulator)
  event FILE...  audit Event Grid event files exactly as the push-triggered function does
  findings       list stored findings with their history (configured storage, or the local store .acr-auditor/)
  report         write the findings page as one self-contained HTML file (--output FILE)
  notifications  list the notification outbox (needs configured storage)
  redrive        re-audit the pushes the Functions host gave up on (image-pushed-poison); --list to list them
  rules          print the rule catalog (--format table|json|markdown)
  emulator       serve an estate file as Azure on loopback (--estate FILE)
  demo           run the bundled demo estate end to end

Run 'acr-auditor <command> --help' for a command's options; 'acr-auditor --version' for the version.`;

export async function main(argv: string[], io: CliIo = defaultIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === '--version' || command === '-V' || command === 'version') {
      io.out(`acr-auditor ${cliVersion()}`);
      return 0;
    }
    if (command === 'help' && rest[0]) {
      io.out(COMMAND_HELP[rest[0]] ?? USAGE);
      return COMMAND_HELP[rest[0]] ? 0 : 2;
    }
    if (rest.includes('--help') || rest.includes('-h') || !command || command === 'help' || command === '--help' || command === '-h') {
      // `<command> --help`: that command's options; the global usage otherwise.
      io.out(command && COMMAND_HELP[command] ? COMMAND_HELP[command] : USAGE);
      return command ? 0 : 2;
    }
    switch (command) {
      case 'audit':
        return await cmdAudit(rest, io);
      case 'event':
        return await cmdEvent(rest, io);
      case 'findings':
        return await cmdFindings(rest, io);
      case 'report': {
        const { cmdReport } = await import('./report.js');
        return await cmdReport(rest, io);
      }
      case 'rules':
        return await cmdRules(rest, io);
      case 'redrive':
        return await cmdRedrive(rest, io);
      case 'emulator': {
        const { runEmulatorCommand } = await import('../emulator/main.js');
        await runEmulatorCommand(rest);
        return 0;
      }
      case 'demo': {
        const { runDemo } = await import('./demo.js');
        return await runDemo(rest, io);
      }
      case 'notifications': {
        const { cmdNotifications } = await import('./notifications.js');
        return await cmdNotifications(rest, io);
      }
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}\n${USAGE}`);
    }
  } catch (e) {
    if (e instanceof ConfigError) io.err(`acr-auditor: ${e.message}`);
    // By name: the emulator (dev-only, loaded lazily) defines EstateError.
    else if (e instanceof Error && e.name === 'EstateError') io.err(`acr-auditor: invalid estate: ${e.message}`);
    else if (e instanceof UsageError || e instanceof CredentialError) io.err(`acr-auditor: ${e.message}`);
    // By name: the embedded Azurite (dev-only, loaded lazily) defines StoreLockedError.
    else if (e instanceof Error && e.name === 'StoreLockedError') io.err(`acr-auditor: ${e.message}`);
    else if (e instanceof TypeError && /parseArgs|Unknown option|ERR_PARSE_ARGS/i.test(`${(e as { code?: string }).code ?? ''} ${e.message}`)) io.err(`acr-auditor: ${e.message}`);
    else {
      const storage = describeStorageError(e, configuredStorage());
      if (storage) {
        io.err(`acr-auditor: ${storage.message}`);
        // Refused (authentication, permission, wrong account): the setting is wrong. Anything else is not.
        return storage.status !== undefined && [400, 401, 403, 404].includes(storage.status) ? 2 : 1;
      }
      // Never a raw service body (XML), a second line or a secret.
      io.err(`acr-auditor: ${errorLine(e instanceof Error ? e.message : String(e), 500)}`);
      return 1;
    }
    return 2;
  }
}

/** The storage the settings configure, to recognise its errors; none when the settings do not load. */
function configuredStorage(): StorageConfig {
  try {
    return loadConfig().storage;
  } catch {
    return { kind: 'none' };
  }
}

// Run when executed directly (not when imported by tests).
const invoked = process.argv[1] ?? '';
if (/cli[\\/]main\.(ts|js)$/.test(invoked) || /acr-auditor(\.mjs)?$/.test(invoked)) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`acr-auditor: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
