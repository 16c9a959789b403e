/**
 * Per-command help (`acr-auditor <command> --help`), the version (`--version`) and the output
 * options every findings command shares (`--format`, `--output`, `--quiet`, colours).
 */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { terminalSettings } from '../shared/config.js';
import { isSeverity, type Severity } from '../shared/domain/severity.js';
import { findingLink } from '../shared/notify/plan.js';
import { RULES } from '../shared/rules/catalog.js';
import { UsageError, type CliIo } from './common.js';
import { FINDING_FORMATS, renderCsv, renderJunit, renderReportTable, renderFindingsTable, renderSarif, type FindingFormat } from './formats.js';
import { terminalSafe, type AuditReport, type FindingOut } from './output.js';

/** The package version (package.json next to cli/ from source, or two levels up from dist/cli/). */
export function cliVersion(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const p of [join(here, '..', 'package.json'), join(here, '..', '..', 'package.json')]) {
    try {
      const pkg = JSON.parse(readFileSync(p, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'acr-auditor' && pkg.version) return pkg.version;
    } catch {
      // try the next place
    }
  }
  return '0.0.0';
}

const OUTPUT_HELP = `output:
  --format F         table (default), json, sarif, csv, junit or html
  --output FILE      write the output to FILE instead of stdout
  --quiet            print nothing but errors on stderr (no progress, warnings or alert summary)
  colours: on a terminal only; NO_COLOR=1 turns them off`;

export const COMMAND_HELP: Record<string, string> = {
  audit: `usage: acr-auditor audit [options]

Audits the estate once through the same shards and queue code as Azure: real Azure with
DefaultAzureCredential (az login), or --estate FILE through the loopback Azure emulator.

options:
  --estate FILE      an estate file (docs/estate.md) served by the loopback emulator
  --status S         findings to print: open (default), resolved, suppressed, all
  --workers N        parallel shard workers, 1-64 (default 4)
  --fail-on SEV      exit 3 when an open finding is at or above SEV (informational, low, medium, high,
                     critical; any case); the findings that tripped it are named on stderr
  --now ISO          the audit's clock (tests, demos)
  --store DIR        keep findings in DIR (default .acr-auditor/); --ephemeral keeps nothing
  -v, --verbose      progress and diagnostics on stderr
${OUTPUT_HELP}

exit codes: 0 done (also when partial), 2 bad input, 3 --fail-on tripped, 1 anything else`,
  event: `usage: acr-auditor event FILE... [options]

Audits Event Grid / CloudEvents files exactly as the push-triggered function does, and prints only
the findings these events opened, changed or resolved.

options:
  --estate FILE      an estate file served by the loopback emulator
  --status S         open (default), resolved, suppressed, all
  --fail-on SEV      exit 3 when a finding the events produced is open at or above SEV
  --now ISO          the audit's clock
  --store DIR        keep findings in DIR (default .acr-auditor/); --ephemeral keeps nothing
  -v, --verbose      progress and diagnostics on stderr
${OUTPUT_HELP}

exit codes: 0 done, 2 a rejected event (named with its file, position and field), 3 --fail-on, 1 else`,
  findings: `usage: acr-auditor findings [options]

Lists stored findings (configured storage, or the local store .acr-auditor/).

options:
  --status S         open (default), resolved, suppressed, all
  --fail-on SEV      exit 3 when an open finding is at or above SEV
  --store DIR        the local store to read (default .acr-auditor/)
${OUTPUT_HELP}`,
  notifications: `usage: acr-auditor notifications [options]

Lists the notification outbox (needs configured storage).

options:
  --status S         pending, held, sending, sent, failed, merged, all
  --format F         table (default) or json`,
  rules: `usage: acr-auditor rules [options]

Prints the rule catalog.

options:
  --format F         table (default), json or markdown (docs/rules.md)
  --output FILE      write to FILE instead of stdout`,
  redrive: `usage: acr-auditor redrive [options]

Re-audits the pushes the Functions host gave up on (queue image-pushed-poison).

options:
  --list             list them without changing anything
  --max N            at most N deliveries, 1-10000 (default 500)
  --estate FILE      an estate file served by the loopback emulator
  --format F         table (default) or json`,
  report: `usage: acr-auditor report [options]

Writes the findings page as one self-contained HTML file (no network needed to open it).

options:
  --output FILE      where to write it (default: stdout)
  --status S         open (default), resolved, suppressed, all
  --store DIR        the local store to read (default .acr-auditor/)`,
  emulator: `usage: acr-auditor emulator --estate FILE [options]

Serves an estate file as Azure on loopback, with an HTTPS CONNECT proxy.

options:
  --estate FILE      the estate (docs/estate.md)
  --port N           the emulator's port
  --proxy-port N     the CONNECT proxy's port
  --ca-file FILE     write the emulator's CA certificate to FILE (NODE_EXTRA_CA_CERTS)`,
  demo: `usage: acr-auditor demo [options]

Runs the bundled Contoso estate end to end (nightly audit, three pushes, alerts to a local Teams
receiver and SMTP server).

options:
  --output DIR       write the demo's files into DIR (an empty directory or a previous demo output)
  --keep             keep the demo's services running`,
};

/** A severity flag value, any case. */
export function parseSeverity(flag: string, value: string | undefined): Severity | undefined {
  if (value === undefined) return undefined;
  const v = value.trim().toLowerCase();
  if (!isSeverity(v)) throw new UsageError(`--${flag} must be a severity (informational, low, medium, high, critical; any case); got ${JSON.stringify(value)}`);
  return v;
}

/** A choice flag value, any case. */
export function pickLower<T extends string>(name: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  const v = value.trim().toLowerCase();
  if (!(allowed as readonly string[]).includes(v)) throw new UsageError(`--${name} must be one of ${allowed.join(', ')}; got ${JSON.stringify(value)}`);
  return v as T;
}

export const OUTPUT_OPTIONS = {
  format: { type: 'string' },
  output: { type: 'string', short: 'o' },
  quiet: { type: 'boolean', short: 'q' },
} as const;

export function parseFormat(value: string | undefined): FindingFormat {
  return pickLower('format', value, FINDING_FORMATS, 'table');
}

/** Colours: stdout is a terminal, NO_COLOR is not set (https://no-color.org), and the output is not a file. */
export function useColor(io: CliIo, toFile: boolean, settings: { noColor: boolean } = terminalSettings()): boolean {
  return !toFile && io.outIsTty === true && !settings.noColor;
}

/** stderr that `--quiet` silences (errors still go to io.err directly). */
export function quietIo(io: CliIo, quiet: boolean): CliIo {
  if (!quiet) return io;
  const { progress: _progress, ...rest } = io;
  return { ...rest, err: (s) => (/^acr-auditor: |^rejected: |^\[error\]|^fail-on: /.test(s) ? io.err(s) : undefined) };
}

export interface EmitOptions {
  format: FindingFormat;
  output?: string | undefined;
  findingsUrl?: string | undefined;
  /** The findings page, for --format html (needs the store: rendered by the caller). */
  html?: () => Promise<string>;
}

/** Renders findings (with the run when there is one) in the chosen format, to stdout or --output FILE. */
export async function emitFindings(io: CliIo, findings: FindingOut[], run: AuditReport['run'] | undefined, o: EmitOptions): Promise<void> {
  const toFile = Boolean(o.output);
  let text: string;
  switch (o.format) {
    case 'json':
      text = JSON.stringify(run ? { run, findings } : { findings }, null, 2);
      break;
    case 'sarif':
      text = renderSarif(findings, { rules: RULES, version: cliVersion(), findingUrl: (id) => findingLink(o.findingsUrl, id) });
      break;
    case 'csv':
      text = renderCsv(findings);
      break;
    case 'junit':
      text = renderJunit(findings, RULES);
      break;
    case 'html':
      if (!o.html) throw new UsageError('--format html is not available for this command');
      text = await o.html();
      break;
    default:
      text = run ? renderReportTable({ run, findings }, { color: useColor(io, toFile) }) : renderFindingsTable(findings, undefined, { color: useColor(io, toFile) });
  }
  if (o.output) {
    await writeFile(o.output, text.endsWith('\n') ? text : `${text}\n`);
    io.err(`wrote ${o.output} (${o.format}, ${findings.length} finding${findings.length === 1 ? '' : 's'})`);
  } else io.out(text);
}

/** `--fail-on`: the open findings at or above the threshold, named on stderr (at most 20, then a count). */
export function failOnTripped(io: CliIo, findings: readonly FindingOut[], threshold: Severity | undefined, atLeast: (s: Severity, t: Severity) => boolean): boolean {
  if (!threshold) return false;
  const tripped = findings.filter((f) => f.status === 'open' && isSeverity(f.severity) && atLeast(f.severity, threshold));
  if (!tripped.length) return false;
  io.err(`fail-on: ${tripped.length} open finding${tripped.length === 1 ? '' : 's'} at or above ${threshold}:`);
  for (const f of tripped.slice(0, 20)) io.err(terminalSafe(`fail-on:   ${f.severity.toUpperCase()} ${f.ruleId} ${f.resourceId.split('/').pop() ?? ''}: ${f.message.slice(0, 160)} (id ${f.id})`));
  if (tripped.length > 20) io.err(`fail-on:   and ${tripped.length - 20} more`);
  return true;
}
