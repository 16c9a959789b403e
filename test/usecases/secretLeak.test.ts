/**
 * Issue 14, "Findings, cards and email never contain a secret value": credential values are planted in
 * workload environment variables (ACI, Container Apps, a job, an init container, App Service sitecontainers,
 * a Container Apps secret store entry), the nightly audit runs with a Teams webhook and SMTP pointed at the
 * local receivers (shared/notify/local.ts), and no planted value appears in any sink: findings in storage,
 * the notification outbox, log lines, the delivered cards, the emails, and `acr-auditor audit --format json`.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvocationContext } from '@azure/functions';
import { DEMO_APPROVED_BASE_IMAGES, DEMO_APPROVED_REGISTRIES, demoEstate } from '../../estates/demo.js';
import type { EstateDocument, JsonObject } from '../../estates/build.js';
import { runNightlyLocally } from '../../cli/localQueue.js';
import { main, type CliIo } from '../../cli/main.js';
import { makeDeliverHandler } from '../../functions/deliverNotifications.js';
import { startLocalSmtpServer, startLocalTeamsReceiver, type LocalSmtpServer, type LocalTeamsReceiver } from '../../shared/notify/local.js';
import type { OutboxRecord } from '../../shared/notify/outbox.js';
import type { StoredFinding } from '../../shared/findings/diff.js';
import { startHarness, type Harness } from '../support/harness.js';
import { cliEnvironment } from '../support/cli.js';

const NOW = new Date('2026-11-22T02:00:00Z');
/** A random marker in every planted value: a hit anywhere is a leak, whatever the value's shape. */
const MARK = `PLANTED${randomBytes(6).toString('hex').toUpperCase()}`;
const PLANTED = {
  password: `Pa55-${MARK}-word!`,
  connectionString: `DefaultEndpointsProtocol=https;AccountName=stleak;AccountKey=${MARK}aGVsbG8gd29ybGQgaGVsbG8gd29ybGQ=;EndpointSuffix=core.windows.net`,
  sas: `sv=2022-11-02&ss=b&srt=sco&sp=rl&se=2027-01-01T00:00:00Z&sig=${MARK}abcdEFGHijkl%3D`,
  jwt: `eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJsZWFrIn0.${MARK}_c2lnbmF0dXJlX3ZhbHVl`,
  privateKey: `-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC${MARK}\n-----END PRIVATE KEY-----`,
  /** A value under an innocent name that looks like nothing: not a finding, and still never repeated. */
  plain: `hello-${MARK}`,
};
const VALUES = Object.values(PLANTED);

/* eslint-disable @typescript-eslint/no-explicit-any */
/** The demo estate with the planted values in every place a workload can carry an environment variable. */
function plantedEstate(): EstateDocument {
  const estate = demoEstate(NOW);
  const row = (name: string) => estate.resources.find((r) => r.name === name)! as JsonObject & { properties: Record<string, any> };
  const aci = row('aci-nightly-report').properties;
  aci.containers[0].properties.environmentVariables.push({ name: 'DB_PASSWORD', value: PLANTED.password }, { name: 'GREETING', value: PLANTED.plain });
  aci.initContainers[0].properties.environmentVariables = [{ name: 'MIGRATIONS_CONNECTION_STRING', value: PLANTED.connectionString }];
  const app = row('ca-orders-api').properties;
  app.template.containers[1].env = [{ name: 'EXPORT_SAS', value: PLANTED.sas }, { name: 'SIGNING_KEY', value: PLANTED.privateKey }];
  app.configuration.secrets.push({ name: 'legacy-token', value: PLANTED.jwt });
  const job = row('caj-ci-runner').properties;
  job.template.containers[0].env.push({ name: 'CALLBACK', value: PLANTED.jwt }, { name: 'NOTE', value: PLANTED.plain });
  // An App Service sidecar site: variables name app settings; a value planted there must not be repeated either.
  const site = row('app-contoso-portal');
  (site.properties.siteProperties.properties as Array<{ name: string; value: unknown }>).find((p) => p.name === 'LinuxFxVersion')!.value = 'sitecontainers';
  const image = `contosoprod.azurecr.io/team/web:2.1`;
  (estate as EstateDocument & { armOnly: Record<string, unknown> }).armOnly = {
    [`${site.id as string}/sitecontainers`]: {
      value: [
        { id: `${site.id as string}/sitecontainers/main`, name: 'app-contoso-portal/main', type: 'Microsoft.Web/sites/sitecontainers', properties: { image, isMain: true, authType: 'SystemIdentity', environmentVariables: [{ name: 'API_TOKEN', value: PLANTED.password }] } },
        { id: `${site.id as string}/sitecontainers/otel`, name: 'app-contoso-portal/otel', type: 'Microsoft.Web/sites/sitecontainers', properties: { image: 'nginx:latest', isMain: false, authType: 'Anonymous', environmentVariables: [{ name: 'OTLP_KEY', value: PLANTED.sas }] } },
      ],
    },
  };
  return estate;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/** The text parts of a MIME message, decoded (base64 and quoted-printable), with its headers. */
function mailText(raw: string): string {
  const [head, ...rest] = raw.split(/\r\n\r\n/);
  const body = rest.join('\r\n\r\n');
  const headers = head!.replace(/\r\n[ \t]+/g, ' ');
  const boundary = /boundary="?([^";\r\n]+)"?/i.exec(headers)?.[1];
  if (boundary) return [headers, ...body.split(`--${boundary}`).slice(1, -1).map((p) => mailText(p.replace(/^\r\n/, '')))].join('\n');
  const enc = /content-transfer-encoding:\s*([\w-]+)/i.exec(headers)?.[1]?.toLowerCase();
  const decoded =
    enc === 'base64'
      ? Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')
      : enc === 'quoted-printable'
        ? Buffer.from(body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8')
        : body;
  return `${headers}\n${decoded}`;
}

function expectNoLeak(sink: string, text: string): void {
  expect(text.length, `${sink} is empty: the check would be vacuous`).toBeGreaterThan(0);
  expect(text, sink).not.toContain(MARK);
  for (const v of VALUES) expect(text, sink).not.toContain(v);
  // Escaped forms (JSON, HTML) of the marker are the marker itself (upper-case letters and digits only).
}

const ctx = (name: string) => new InvocationContext({ invocationId: 'inv', functionName: name, logHandler: () => undefined, triggerMetadata: { dequeueCount: 1 } });

describe('planted credential values never leave the workload settings (issue 14)', () => {
  let h: Harness;
  let teams: LocalTeamsReceiver;
  let smtp: LocalSmtpServer;
  const dir = mkdtempSync(join(tmpdir(), 'acr-auditor-leak-'));
  const estate = plantedEstate();

  beforeAll(async () => {
    teams = await startLocalTeamsReceiver();
    smtp = await startLocalSmtpServer();
    h = await startHarness({
      estate,
      now: NOW,
      settings: {
        AUDITOR_APPROVED_REGISTRIES: DEMO_APPROVED_REGISTRIES.join(','),
        AUDITOR_APPROVED_BASE_IMAGES: DEMO_APPROVED_BASE_IMAGES.join(','),
        AUDITOR_TEAMS_WEBHOOK_URL: teams.url,
        AUDITOR_SMTP_URL: smtp.url,
        AUDITOR_EMAIL_FROM: 'auditor@contoso.test',
        AUDITOR_EMAIL_TO: 'secops@contoso.test',
        AUDITOR_ALERT_MIN_SEVERITY: 'high',
      },
    });
    const s = h.host.services;
    await runNightlyLocally(s.deps, { queue: s.shardQueue, poison: s.shardPoisonQueue }, { runId: 'leak-1', workers: 2, maxDequeueCount: 3, retryAfterSeconds: 1, timeoutInMs: 60_000 });
    await makeDeliverHandler(() => h.host)(undefined, ctx('deliverNotifications'));
  }, 120_000);
  afterAll(async () => {
    await h?.close();
    await teams?.close();
    await smtp?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the planted variables are found (by name and container), and no finding in storage holds a value', async () => {
    for (const v of VALUES) expect(JSON.stringify(estate)).toContain(JSON.stringify(v).slice(1, -1)); // really planted
    const findings: StoredFinding[] = [];
    for await (const f of h.host.services.findings.listFindings()) findings.push(f);
    const secrets = findings.filter((f) => f.ruleId === 'workload.no-plaintext-secrets' && f.status === 'open');
    const of = (name: string) => secrets.find((f) => f.resourceId === estate.resources.find((r) => r.name === name)!.id);
    // Not vacuous: the audit saw the planted variables and names them.
    expect(JSON.stringify(of('aci-nightly-report')?.evidence)).toContain('DB_PASSWORD');
    expect(JSON.stringify(of('aci-nightly-report')?.evidence)).toContain('MIGRATIONS_CONNECTION_STRING');
    expect(JSON.stringify(of('ca-orders-api')?.evidence)).toContain('EXPORT_SAS');
    expect(JSON.stringify(of('caj-ci-runner')?.evidence)).toContain('CALLBACK');
    // The sidecar site was read (its images audited) without a gap.
    const portal = estate.resources.find((r) => r.name === 'app-contoso-portal')!.id as string;
    expect(findings.some((f) => f.resourceId === portal && f.subject === 'container otel image nginx:latest')).toBe(true);
    expectNoLeak('findings in storage', JSON.stringify(findings));
  });

  it('no log line, notification outbox row, Teams card or email holds a value', async () => {
    expectNoLeak('log lines', JSON.stringify(h.logs));
    const rows: OutboxRecord[] = [];
    for await (const r of h.host.notifications!.outbox.listNotifications({ includePayload: true })) rows.push(r);
    expectNoLeak('notification outbox', JSON.stringify(rows));
    expect(teams.delivered.length).toBeGreaterThan(0);
    const cards = JSON.stringify(teams.delivered.map((d) => d.message));
    expectNoLeak('Teams cards', cards);
    expect(smtp.messages.length).toBeGreaterThan(0);
    const mails = smtp.messages.map((m) => mailText(m.raw)).join('\n');
    expectNoLeak('emails (decoded)', mails);
    expectNoLeak('emails (raw)', smtp.messages.map((m) => m.raw).join('\n'));
    // The sinks carried the very findings: the plain-text secrets rule is in the digest.
    expect(`${cards}\n${mails}`).toMatch(/no-plaintext-secrets|secret in plain text|plain-text secret/i);
  });

  it('acr-auditor audit --format json prints no value', { timeout: 120_000 }, async () => {
    const file = join(dir, 'estate.json');
    writeFileSync(file, JSON.stringify(estate));
    const saved = { ...process.env };
    cliEnvironment();
    process.env.AUDITOR_APPROVED_REGISTRIES = DEMO_APPROVED_REGISTRIES.join(',');
    const out: string[] = [];
    const io: CliIo = { out: (s) => out.push(s), err: (s) => out.push(s), isTty: false };
    try {
      await main(['audit', '--estate', file, '--format', 'json', '--now', NOW.toISOString()], io);
    } finally {
      process.env = saved;
    }
    const printed = out.join('\n');
    expect(printed).toContain('workload.no-plaintext-secrets');
    expectNoLeak('CLI JSON output', printed);
  });
});
