// Issue 16, item 5: CLI habits. Per-command help, --version, formats (table that fits 100 columns,
// SARIF 2.1.0 validated against the official schema, CSV, JUnit), --output, --quiet, colours only on a
// terminal (NO_COLOR), case-insensitive severities, --fail-on naming what tripped it, `findings`
// without a run header, `event` printing only what its events produced.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { main, type CliIo } from '../../cli/main.js';
import { renderCsv, renderFindingsTable, renderJunit, renderSarif, TABLE_WIDTH } from '../../cli/formats.js';
import { COMMAND_HELP, cliVersion, useColor } from '../../cli/help.js';
import type { FindingOut } from '../../cli/output.js';
import { demoEstate, DEMO_APPROVED_REGISTRIES } from '../../estates/demo.js';
import { demoPushEvents } from '../../estates/demoEvents.js';
import { RULES } from '../../shared/rules/catalog.js';
import { cliEnvironment } from '../support/cli.js';

function io(outIsTty = false) {
  const out: string[] = [];
  const err: string[] = [];
  const value: CliIo = { out: (s) => out.push(s), err: (s) => err.push(s), isTty: false, outIsTty };
  return { value, out, err };
}

const dir = mkdtempSync(join(tmpdir(), 'acr-auditor-outputs-'));
const NOW = '2026-11-22T02:00:00Z';
const estateFile = join(dir, 'estate.json');
writeFileSync(estateFile, JSON.stringify(demoEstate(new Date(NOW))));
const audit = (...flags: string[]) => ['audit', '--estate', estateFile, '--now', NOW, '--ephemeral', ...flags];

/** The vendored SARIF 2.1.0 schema (test/fixtures/sarif/README.md says where it comes from). */
function sarifValidator() {
  const schema = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'sarif', 'sarif-2.1.0.json'), 'utf8')) as object;
  const ajv = new Ajv2020.default({ strict: false, allErrors: true });
  addFormats.default(ajv);
  return ajv.compile(schema);
}

describe('acr-auditor outputs', () => {
  const saved = { ...process.env };
  let findings: FindingOut[] = [];
  beforeEach(() => {
    cliEnvironment();
    process.env.AUDITOR_APPROVED_REGISTRIES = DEMO_APPROVED_REGISTRIES.join(',');
  });
  afterEach(() => {
    process.env = { ...saved };
  });
  beforeAll(async () => {
    cliEnvironment();
    process.env.AUDITOR_APPROVED_REGISTRIES = DEMO_APPROVED_REGISTRIES.join(',');
    const t = io();
    expect(await main(audit('--format', 'json'), t.value), t.err.join('\n')).toBe(0);
    findings = (JSON.parse(t.out.join('\n')) as { findings: FindingOut[] }).findings;
    expect(findings.length).toBeGreaterThan(10);
  }, 60_000);

  it('every <command> --help prints that command\'s options; --version prints the version', async () => {
    for (const command of Object.keys(COMMAND_HELP)) {
      const t = io();
      expect(await main([command, '--help'], t.value)).toBe(0);
      expect(t.out.join('\n')).toMatch(new RegExp(`^usage: acr-auditor ${command}\\b`));
    }
    const a = io();
    await main(['audit', '--help'], a.value);
    for (const flag of ['--estate', '--fail-on', '--format', '--output', '--quiet', 'sarif', 'junit', 'NO_COLOR']) expect(a.out.join('\n')).toContain(flag);
    const v = io();
    expect(await main(['--version'], v.value)).toBe(0);
    expect(v.out.join('')).toBe(`acr-auditor ${cliVersion()}`);
    expect(cliVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('SARIF output validates against the SARIF 2.1.0 JSON schema and carries what GitHub code scanning reads', async () => {
    const file = join(dir, 'audit.sarif');
    const t = io();
    expect(await main(audit('--format', 'sarif', '--output', file), t.value), t.err.join('\n')).toBe(0);
    expect(t.out.join('')).toBe(''); // --output: nothing on stdout
    const log = JSON.parse(readFileSync(file, 'utf8'));
    const validate = sarifValidator();
    expect(validate(log), JSON.stringify(validate.errors?.slice(0, 5))).toBe(true);
    expect(log.version).toBe('2.1.0');
    const run = log.runs[0];
    expect(run.tool.driver.rules.map((r: { id: string }) => r.id)).toEqual(RULES.map((r) => r.id));
    for (const r of run.tool.driver.rules) {
      expect(r.help.text.length, r.id).toBeGreaterThan(20);
      expect(r.properties['security-severity']).toMatch(/^\d+\.\d$/);
      expect(r.shortDescription.text).toBeTruthy();
    }
    expect(run.results.length).toBe(findings.length);
    for (const res of run.results) {
      expect(res.locations[0].logicalLocations[0].fullyQualifiedName).toMatch(/^\/subscriptions\//);
      expect(res.locations[0].physicalLocation.artifactLocation.uri).toMatch(/^azure\//);
      expect(res.partialFingerprints['acrAuditorFindingId/v1']).toMatch(/^[0-9a-f]+$/);
      expect(run.tool.driver.rules[res.ruleIndex].id).toBe(res.ruleId);
    }
    // The renderer alone, with a hostile message, still validates.
    const hostile = renderSarif([{ ...findings[0]!, message: '\u202e<script>"\\' }], { rules: RULES, version: '0.1.0' });
    expect(validate(JSON.parse(hostile))).toBe(true);
  }, 60_000);

  it('the table fits 100 columns, groups by subscription and resource group, counts per severity, keeps the reason and shows tags, not digests', () => {
    const table = renderFindingsTable(findings);
    const lines = table.split('\n');
    for (const l of lines) expect(l.length, l).toBeLessThanOrEqual(TABLE_WIDTH);
    expect(lines[0]).toMatch(/^\d+ findings: (\d+ (critical|high|medium|low|informational)(, )?)+$/);
    expect(table).toMatch(/^subscription [0-9a-f-]{36} resource group \S+: \d+ (critical|high|medium|low)/m);
    expect(table).not.toMatch(/^Run /m); // no run: no header
    const stale = findings.find((f) => f.ruleId === 'image.fresh')!;
    expect(stale).toBeDefined();
    const flat = table.replace(/\n {2,}/g, ' ');
    expect(flat).toContain(stale.message); // the reason is kept whole (wrapped, not cut)
    expect(table).not.toMatch(/sha256:[0-9a-f]{13}/); // digests shortened, tags preferred
  });

  it('CSV and JUnit', () => {
    const csv = renderCsv([...findings, { ...findings[0]!, message: '=HYPERLINK("http://evil")', subject: 'a,"b"' }]);
    const rows = csv.trimEnd().split('\r\n');
    expect(rows[0]).toBe('severity,status,ruleId,subscriptionId,resourceGroup,resource,subject,message,firstSeen,lastSeen,resolvedAt,id,resourceId');
    expect(rows).toHaveLength(findings.length + 2);
    expect(rows.at(-1)).toContain(`"'=HYPERLINK(""http://evil"")"`); // no formula
    expect(rows.at(-1)).toContain('"a,""b"""');
    const junit = renderJunit(findings, RULES);
    expect(junit).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="acr-auditor" tests="\d+" failures="\d+"/);
    expect(junit.match(/<failure /g)).toHaveLength(findings.filter((f) => f.status === 'open').length);
    expect(junit).toContain('<testsuite name="registry.admin-user-disabled"');
  });

  it('--fail-on takes any case and names the findings that tripped it on stderr; --quiet keeps only that; CSV on stdout', async () => {
    const t = io();
    expect(await main(audit('--fail-on', 'HIGH', '--format', 'CSV', '--quiet'), t.value)).toBe(3);
    const err = t.err.join('\n');
    const high = findings.filter((f) => f.status === 'open' && ['high', 'critical'].includes(f.severity));
    expect(err).toContain(`fail-on: ${high.length} open findings at or above high:`);
    expect(err).toContain(`(id ${high[0]!.id})`);
    expect(err.split('\n').every((l) => l.startsWith('fail-on:'))).toBe(true); // --quiet: nothing else
    expect(t.out.join('\n').split('\r\n')[0]).toMatch(/^severity,status,ruleId/);
    const bad = io();
    expect(await main(audit('--fail-on', 'severe'), bad.value)).toBe(2);
    expect(bad.err.join('\n')).toMatch(/--fail-on must be a severity/);
  }, 60_000);

  it('colours only on a terminal, never with NO_COLOR or into a file', () => {
    expect(useColor(io(true).value, false, { noColor: false })).toBe(true);
    expect(useColor(io(true).value, false, { noColor: true })).toBe(false);
    expect(useColor(io(false).value, false, { noColor: false })).toBe(false);
    expect(useColor(io(true).value, true, { noColor: false })).toBe(false);
    expect(renderFindingsTable(findings, undefined, { color: true })).toContain('\x1b[31mHIGH');
    expect(renderFindingsTable(findings)).not.toContain('\x1b[');
  });

  it('findings prints stored findings without a run header', async () => {
    const store = join(dir, 'store');
    const a = io();
    expect(await main(['audit', '--estate', estateFile, '--now', NOW, '--store', store, '--format', 'json'], a.value), a.err.join('\n')).toBe(0);
    const t = io();
    expect(await main(['findings', '--store', store], t.value), t.err.join('\n')).toBe(0);
    const out = t.out.join('\n');
    expect(out).not.toMatch(/^Run |complete; - -> -|opened 0/m);
    expect(out).toMatch(/^\d+ findings: /);
  }, 60_000);

  it('event prints only what its events produced', async () => {
    const events = join(dir, 'events.json');
    writeFileSync(events, JSON.stringify(demoPushEvents(new Date(NOW)).slice(1, 2)));
    const t = io();
    const code = await main(['event', events, '--estate', estateFile, '--now', NOW, '--ephemeral', '--format', 'json'], t.value);
    expect(code, t.err.join('\n')).toBe(0);
    const doc = JSON.parse(t.out.join('\n')) as { run: { counts: { opened: number } }; findings: FindingOut[] };
    expect(doc.findings.length).toBeGreaterThan(0);
    expect(doc.findings.length).toBeLessThan(findings.length);
    expect(doc.findings.length).toBeLessThanOrEqual(doc.run.counts.opened + 5);
    expect(doc.findings.some((f) => f.ruleId === 'image.provenance-labeled')).toBe(true);
    // Nothing from the nightly-only rules: the event audited one image and its registry.
    expect(doc.findings.some((f) => f.ruleId.startsWith('workload.'))).toBe(false);
  }, 60_000);
});
