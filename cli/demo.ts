/**
 * `acr-auditor demo` (npm start): the bundled Contoso estate on the loopback emulator and an embedded
 * Azurite, audited through the nightly code path (planner -> Storage queue -> shard workers), then
 * three realistic pushes through the push-time code path, alerts delivered to a local Teams receiver
 * and a local SMTP server, and a second nightly run that opens nothing new. Everything it starts it
 * stops; what the receivers got is saved under the output folder.
 */
import { lstat, mkdir, readdir, rmdir, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEMO_APPROVED_BASE_IMAGES, DEMO_APPROVED_REGISTRIES, DEMO_APPROVED_SIGNERS, DEMO_SIGNATURE_REQUIRED, demoEstate } from '../estates/demo.js';
import { DEMO_APPROVED_PUSHERS, DEMO_REGISTRY_WRITERS } from '../estates/demo.js';
import { demoPushEvents } from '../estates/demoEvents.js';
import { parseEventBatch } from '../shared/events/parse.js';
import { startLocalSmtpServer, startLocalTeamsReceiver } from '../shared/notify/local.js';
import { auditAndPublishEvents } from '../shared/usecases/auditPushDelivery.js';
import { RULE_IDS } from '../shared/rules/catalog.js';
import { auditOnce, cliLogger, UsageError, type CliIo } from './common.js';
import { renderTable, terminalSafe } from './output.js';
import { startRuntime } from './runtime.js';
import { storeFlags, STORE_OPTIONS } from './store.js';

/** Written into every demo output folder: only a folder holding it (or only demo files) is ever reused. */
export const DEMO_MARKER = '.acr-auditor-demo';

/** The files the demo writes (shared/notify/local.ts): the only files it ever removes, and only to replace them. */
const DEMO_FILES: Readonly<Record<string, RegExp>> = { teams: /^card-\d{3,}\.json$/, email: /^message-\d{3,}\.eml$/ };

/**
 * Makes `dir` ready for the demo without deleting anything the demo did not write: a new or empty folder
 * is used; a previous demo output (its marker, or nothing but demo files) has its old demo files removed;
 * anything else (someone's files, a working tree, a file) is refused with a UsageError (exit 2).
 */
export async function prepareDemoOutput(dir: string): Promise<void> {
  const refuse = (why: string) => new UsageError(`demo --output ${dir}: ${why}; nothing was changed. Choose a new or empty directory (default out/demo).`);
  const stat = await lstat(dir).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  });
  if (stat && !stat.isDirectory()) throw refuse('exists and is not a directory');
  const entries = stat ? await readdir(dir, { withFileTypes: true }) : [];
  const demoFolder = async (name: string): Promise<string[] | undefined> => {
    const pattern = DEMO_FILES[name];
    if (!pattern) return undefined;
    const inside = await readdir(join(dir, name), { withFileTypes: true });
    return inside.every((f) => f.isFile() && pattern.test(f.name)) ? inside.map((f) => f.name) : undefined;
  };
  const hasMarker = entries.some((e) => e.name === DEMO_MARKER && e.isFile());
  if (entries.length && !hasMarker) {
    // An output of a demo that predates the marker: nothing but its own folders of its own files.
    for (const e of entries) {
      if (!e.isDirectory() || !(await demoFolder(e.name))) {
        throw refuse(`is not empty and is not a previous demo output (no ${DEMO_MARKER} marker, and ${JSON.stringify(e.name)} is not something the demo wrote)`);
      }
    }
  }
  await mkdir(dir, { recursive: true });
  for (const e of entries) {
    if (!e.isDirectory() || !DEMO_FILES[e.name]) continue; // a symlink or anything else is left alone
    const folder = join(dir, e.name);
    for (const f of await readdir(folder, { withFileTypes: true })) {
      if (f.isFile() && DEMO_FILES[e.name]!.test(f.name)) await unlink(join(folder, f.name));
    }
    await rmdir(folder).catch(() => undefined); // kept when someone's file is still in it
  }
  await writeFile(join(dir, DEMO_MARKER), 'Output of `acr-auditor demo`: the demo replaces only its own files (teams/card-NNN.json, email/message-NNN.eml) here.\n');
}

export async function runDemo(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { output: { type: 'string' }, verbose: { type: 'boolean', short: 'v' }, ...STORE_OPTIONS }, strict: true });
  const store = storeFlags(values);
  const outputDir = resolve(values.output ?? 'out/demo');
  await prepareDemoOutput(outputDir);
  const started = Date.now();
  const now = new Date();
  const log = cliLogger(io, values.verbose === true);

  const teams = await startLocalTeamsReceiver({ outputDir });
  const smtp = await startLocalSmtpServer({ outputDir });
  try {
    const runtime = await startRuntime({
      estate: demoEstate(now),
      embeddedStorage: true,
      ...(store ? { store } : {}),
      log,
      overrides: {
        AUDITOR_APPROVED_REGISTRIES: DEMO_APPROVED_REGISTRIES.join(','),
        AUDITOR_APPROVED_BASE_IMAGES: DEMO_APPROVED_BASE_IMAGES.join(','),
        AUDITOR_SIGNATURE_REQUIRED: DEMO_SIGNATURE_REQUIRED.join(','),
        AUDITOR_APPROVED_SIGNERS: DEMO_APPROVED_SIGNERS.join(','),
        AUDITOR_REGISTRY_WRITERS: DEMO_REGISTRY_WRITERS.join(','),
        AUDITOR_APPROVED_PUSHERS: DEMO_APPROVED_PUSHERS.join(','),
        AUDITOR_SUBSCRIPTION_IDS: '',
        AUDITOR_TEAMS_WEBHOOK_URL: teams.url,
        AUDITOR_SMTP_URL: smtp.url,
        AUDITOR_EMAIL_FROM: 'acr-auditor@contoso.example',
        AUDITOR_EMAIL_TO: 'secops@contoso.example',
        AUDITOR_FINDINGS_URL: 'https://contoso.example/acr-auditor/findings',
      },
    });
    try {
      io.out('acr-auditor demo: the Contoso estate (3 subscriptions, 7 registries, workloads, login logs)');
      io.out(runtime.storeDir
        ? `served by the loopback Azure emulator; findings kept in ${runtime.storeDir} (Azurite on disk: \`acr-auditor findings\` and \`acr-auditor report\` read them; --ephemeral keeps nothing).\n`
        : 'served by the loopback Azure emulator; findings in an embedded in-memory Azurite (--ephemeral).\n');

      io.out('== Nightly audit (planner -> audit-shard queue -> workers) ==');
      const first = await auditOnce(runtime, { workers: 4, status: 'open', io });
      io.out(renderTable(first));
      const delivered1 = await runtime.notifications!.deliver();
      io.out(`\nAlerts: ${delivered1.sent} sent (Teams digest card + email digest), ${delivered1.failed} failed.`);

      io.out('\n== Three image pushes (Event Grid ImagePushed, push-time audit) ==');
      const parsed = parseEventBatch(demoPushEvents(now));
      const outcomes = await auditAndPublishEvents(runtime.services.deps, parsed.events);
      for (const o of outcomes) {
        const ev = parsed.events[o.index]!;
        const opened = o.changes.filter((c) => ['opened', 'reopened', 'escalated'].includes(c.kind));
        const confirmed = o.changes.filter((c) => c.kind === 'still_open');
        io.out(`  push ${terminalSafe(`${ev.loginServer}/${ev.repository}:${ev.tag ?? ev.digest}`)} by ${terminalSafe(ev.actor ?? '?')}`);
        io.out(`    new:         ${opened.length ? opened.map((c) => `${c.finding.ruleId} (${c.finding.severity})`).join(', ') : 'none'}`);
        if (confirmed.length) io.out(`    re-confirmed: ${confirmed.map((c) => c.finding.ruleId).join(', ')} (already open: no second alert)`);
      }
      await auditAndPublishEvents(runtime.services.deps, parsed.events);
      const delivered2 = await runtime.notifications!.deliver();
      const outbox: Record<string, number> = {};
      for await (const r of runtime.notifications!.outbox.listNotifications({})) outbox[r.status] = (outbox[r.status] ?? 0) + 1;
      io.out(`  every event delivered a second time (Event Grid is at-least-once): same findings, no duplicate alert.`);
      io.out(`  alerts: ${delivered2.sent} sent now (high and critical push findings go out at once); medium and low push findings are held`);
      io.out(`  for the daily digest. Outbox: ${Object.entries(outbox).map(([k, v]) => `${v} ${k}`).join(', ')}.`);

      io.out('\n== Second nightly audit (nothing changed, so nothing opens and nothing is sent) ==');
      const second = await auditOnce(runtime, { workers: 4, status: 'open', io });
      const delivered3 = await runtime.notifications!.deliver();
      io.out(`  opened ${second.run.counts.opened}, still open ${second.run.counts.stillOpen}, resolved ${second.run.counts.resolved}; alerts sent ${delivered3.sent}.`);

      const rulesSeen = new Set(second.findings.map((f) => f.ruleId));
      io.out(`\nOpen findings: ${second.findings.length} across ${rulesSeen.size} of ${RULE_IDS.length} rules.`);
      io.out(`Teams cards received: ${teams.delivered.length} (saved in ${outputDir}/teams/)`);
      io.out(`Emails received:      ${smtp.messages.length} (saved in ${outputDir}/email/)`);
      io.out(`Done in ${((Date.now() - started) / 1000).toFixed(1)} s. Everything started for the demo has been stopped.`);
      return 0;
    } finally {
      await runtime.close();
    }
  } finally {
    await teams.close();
    await smtp.close();
  }
}
