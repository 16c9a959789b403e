import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { demoEstate, DEMO_APPROVED_REGISTRIES } from '../../estates/demo.js';
import { demoPushEvents } from '../../estates/demoEvents.js';
import { startLocalTeamsReceiver } from '../../shared/notify/local.js';
import { cliEnvironment, capturedIo } from '../support/cli.js';

const io = capturedIo;

const dir = mkdtempSync(join(tmpdir(), 'acr-auditor-cli-'));
const NOW = '2026-11-22T02:00:00Z';
const estateFile = join(dir, 'estate.json');
writeFileSync(estateFile, JSON.stringify(demoEstate(new Date(NOW))));

describe('acr-auditor CLI', () => {
  const saved = { ...process.env };
  beforeEach(() => {
    cliEnvironment();
    process.env.AUDITOR_APPROVED_REGISTRIES = DEMO_APPROVED_REGISTRIES.join(',');
  });
  afterEach(() => {
    process.env = { ...saved };
  });

  it('audit --estate --format json prints the documented document and exits 0', async () => {
    const t = io();
    const code = await main(['audit', '--estate', estateFile, '--format', 'json', '--now', NOW], t.value);
    expect(code, t.err.join('\n')).toBe(0);
    const doc = JSON.parse(t.out.join('\n'));
    expect(Object.keys(doc)).toEqual(['run', 'findings']);
    expect(Object.keys(doc.run).sort()).toEqual(['complete', 'counts', 'finishedAt', 'gaps', 'id', 'startedAt']);
    expect(doc.run.complete).toBe(true);
    expect(Object.keys(doc.run.counts).sort()).toEqual(['opened', 'resolved', 'stillOpen', 'suppressed']);
    expect(doc.findings.length).toBe(doc.run.counts.opened);
    for (const f of doc.findings) {
      expect(Object.keys(f).sort()).toEqual(['evidence', 'firstSeen', 'id', 'lastSeen', 'message', 'resolution', 'resolvedAt', 'resourceId', 'ruleId', 'severity', 'status', 'subject', 'title'].sort());
      expect(f.status).toBe('open');
      expect(f.resolvedAt).toBeNull();
      expect(f.resolution).toBeNull();
    }
    const rules = new Set(doc.findings.map((f: { ruleId: string }) => f.ruleId));
    for (const r of ['registry.approved', 'registry.admin-user-disabled', 'registry.anonymous-pull-disabled', 'registry.public-network-restricted']) expect(rules.has(r), r).toBe(true);
  });

  it('audit sends its alerts when a channel is configured (the digest card and the vulnerable-workloads alert, to a real local receiver)', async () => {
    const teams = await startLocalTeamsReceiver();
    try {
      process.env.AUDITOR_TEAMS_WEBHOOK_URL = teams.url;
      const t = io();
      expect(await main(['audit', '--estate', estateFile, '--format', 'json', '--now', NOW], t.value)).toBe(0);
      // Issue 12: the demo's vulnerable running workloads also go out at once, besides the digest.
      const cards = teams.delivered.map((d) => JSON.stringify(d.card));
      expect(cards).toHaveLength(2);
      expect(cards.filter((c) => c.includes('Nightly audit digest'))).toHaveLength(1);
      expect(cards.filter((c) => c.includes('newly vulnerable running workloads'))).toHaveLength(1);
      expect(t.err.join('\n')).toMatch(/alerts: 2 sent, 0 failed/);
      expect(t.err.join('\n')).not.toContain(teams.url);
    } finally {
      await teams.close();
    }
  });

  it('--fail-on high exits 3 when high findings are open (for CI gates)', async () => {
    const t = io();
    expect(await main(['audit', '--estate', estateFile, '--format', 'json', '--now', NOW, '--fail-on', 'high'], t.value)).toBe(3);
  });

  it('a malformed estate is answered with the JSON path, exit 2', async () => {
    const bad = join(dir, 'bad.json');
    const e = demoEstate(new Date(NOW)) as unknown as { resources: Array<{ properties: Record<string, unknown> }> };
    e.resources[0]!.properties.loginServer = 42;
    writeFileSync(bad, JSON.stringify(e));
    const t = io();
    expect(await main(['audit', '--estate', bad], t.value)).toBe(2);
    expect(t.err.join('\n')).toMatch(/resources\[0\]\.properties\.loginServer/);
  });

  it('an invalid setting is named, with every other problem, exit 2', async () => {
    process.env.AUDITOR_STALE_AFTER_DAYS = 'ninety';
    process.env.AUDITOR_APPROVED_REGISTRIES = 'contoso*.azure*.io';
    const t = io();
    expect(await main(['audit', '--estate', estateFile], t.value)).toBe(2);
    const msg = t.err.join('\n');
    expect(msg).toMatch(/AUDITOR_STALE_AFTER_DAYS/);
    expect(msg).toMatch(/AUDITOR_APPROVED_REGISTRIES/);
  });

  it('event FILE... processes the good events, then exits 2 naming the file, position and field of a rejected one', async () => {
    const events = demoPushEvents(new Date(NOW)) as Array<Record<string, { target: { tag: string } }>>;
    const good = join(dir, 'good.json');
    writeFileSync(good, JSON.stringify(events.slice(0, 2)));
    const badEvent = structuredClone(events[2]!);
    badEvent.data!.target.tag = 'x\u202Eevil';
    const badFile = join(dir, 'bad-events.json');
    writeFileSync(badFile, JSON.stringify([events[2], badEvent]));
    const t = io();
    const code = await main(['event', good, badFile, '--estate', estateFile, '--format', 'json', '--now', NOW], t.value);
    expect(code).toBe(2);
    expect(t.err.join('\n')).toMatch(new RegExp(`${badFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: event 1.*data\\.target\\.tag`));
    const doc = JSON.parse(t.out.join('\n'));
    expect(doc.run.complete).toBe(false);
    expect(doc.findings.some((f: { ruleId: string }) => f.ruleId === 'image.provenance-labeled')).toBe(true);
  });

  it('unknown commands and flags are usage errors', async () => {
    const t = io();
    expect(await main(['audiit'], t.value)).toBe(2);
    expect(await main(['audit', '--format', 'xml'], t.value)).toBe(2);
    expect(t.err.join('\n')).toMatch(/--format must be one of table, json/);
  });

  it('rules prints the catalog; --format markdown is docs/rules.md', async () => {
    const t = io();
    expect(await main(['rules', '--format', 'json'], t.value)).toBe(0);
    const rules = JSON.parse(t.out.join(''));
    expect(rules.map((r: { id: string }) => r.id)).toContain('registry.admin-user-disabled');
    expect(rules.find((r: { id: string }) => r.id === 'registry.admin-user-disabled').profile).toBe('baseline');
  });
});
