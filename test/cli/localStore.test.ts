/**
 * A local store that lasts (issue 16): without configured storage, `demo` (and `audit`, `event`) keep
 * findings in Azurite with disk persistence under a directory (.acr-auditor/ by default, --store DIR),
 * so `findings` and `report` show them with their history afterwards; one process at a time;
 * `--ephemeral` keeps nothing.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main, type CliIo } from '../../cli/main.js';
import { startAzurite } from '../../shared/local/azurite.js';
import { TableClient } from '@azure/data-tables';

const root = mkdtempSync(join(tmpdir(), 'acr-auditor-store-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function io() {
  const out: string[] = [];
  const err: string[] = [];
  const value: CliIo = { out: (s) => out.push(s), err: (s) => err.push(s), isTty: false };
  return { out, err, value };
}

describe('local store', () => {
  it('demo keeps its findings in --store DIR; findings and report show them with history afterwards', async () => {
    const store = join(root, 'demo-store');
    const demo = io();
    expect(await main(['demo', '--output', join(root, 'demo-out'), '--store', store], demo.value), demo.err.join('\n')).toBe(0);
    expect(demo.out.join('\n')).toContain(`findings kept in ${store}`);
    expect(existsSync(join(store, '__azurite_db_table__.json'))).toBe(true);
    expect(existsSync(join(store, 'lock'))).toBe(false);

    const list = io();
    expect(await main(['findings', '--store', store, '--format', 'json'], list.value), list.err.join('\n')).toBe(0);
    const findings = JSON.parse(list.out.join('\n')).findings as Array<{ ruleId: string }>;
    expect(findings.length).toBeGreaterThan(20);

    const table = io();
    expect(await main(['findings', '--store', store], table.value)).toBe(0);
    const text = table.out.join('\n');
    expect(text).toMatch(/^History \(\d+ findings, newest transition first\):/m);
    expect(text).toMatch(/^ {4}\d{4}-\d{2}-\d{2} \d{2}:\d{2}Z {2}opened \((high|medium|low)\)/m);
    for (const line of text.split('\n').filter((l) => l.startsWith('    '))) expect(line.length).toBeLessThanOrEqual(100);

    const file = join(root, 'findings.html');
    const report = io();
    expect(await main(['report', '--store', store, '--output', file], report.value), report.err.join('\n')).toBe(0);
    const html = readFileSync(file, 'utf8');
    expect(html.match(/<details class="finding/g)?.length).toBeGreaterThanOrEqual(findings.length);
    expect(html).toContain('<h3>History</h3>');
    // Self-contained: nothing to fetch (no external script, style, image or font), and a CSP that forbids it.
    expect(html).not.toMatch(/<(script|img|link|iframe)[^>]+(src|href)=/i);
    expect(html).toMatch(/Content-Security-Policy" content="default-src 'none'/);
  }, 120_000);

  it('a second audit sees the first one\'s findings (still open: nothing opens again)', async () => {
    const store = join(root, 'audit-store');
    const estate = 'estates/examples/fabrikam-single-subscription.json';
    const env = process.env.AUDITOR_APPROVED_REGISTRIES;
    process.env.AUDITOR_APPROVED_REGISTRIES = '*.azurecr.io';
    try {
      const first = io();
      expect(await main(['audit', '--estate', estate, '--store', store, '--format', 'json'], first.value), first.err.join('\n')).toBe(0);
      const second = io();
      expect(await main(['audit', '--estate', estate, '--store', store, '--format', 'json'], second.value), second.err.join('\n')).toBe(0);
      const [a, b] = [JSON.parse(first.out.join('\n')), JSON.parse(second.out.join('\n'))];
      expect(a.run.counts.opened).toBeGreaterThan(0);
      expect(b.run.counts.opened).toBe(0);
      expect(b.run.counts.stillOpen).toBe(a.run.counts.opened + a.run.counts.stillOpen);
      const ephemeral = io();
      expect(await main(['audit', '--estate', estate, '--ephemeral', '--format', 'json'], ephemeral.value)).toBe(0);
      expect(JSON.parse(ephemeral.out.join('\n')).run.counts.opened).toBe(a.run.counts.opened);
    } finally {
      if (env === undefined) delete process.env.AUDITOR_APPROVED_REGISTRIES;
      else process.env.AUDITOR_APPROVED_REGISTRIES = env;
    }
  }, 120_000);

  it('keeps table rows across a restart, and one process at a time', async () => {
    const dir = join(root, 'restart');
    const one = await startAzurite({ dir });
    await expect(startAzurite({ dir })).rejects.toThrow(/in use by process \d+/);
    const t1 = TableClient.fromConnectionString(one.connectionString, 'kept', { allowInsecureConnection: true });
    await t1.createTable();
    await t1.createEntity({ partitionKey: 'p', rowKey: 'r', value: 'still here' });
    await one.close();
    const two = await startAzurite({ dir });
    try {
      const t2 = TableClient.fromConnectionString(two.connectionString, 'kept', { allowInsecureConnection: true });
      expect((await t2.getEntity<{ value: string }>('p', 'r')).value).toBe('still here');
    } finally {
      await two.close();
    }
  });

  it('findings and report without a store say how to make one (exit 2)', async () => {
    for (const command of ['findings', 'report']) {
      const t = io();
      expect(await main([command, '--store', join(root, 'nothing-here')], t.value)).toBe(2);
      expect(t.err.join('\n')).toMatch(/no local store at .*nothing-here yet: run `acr-auditor audit` or `acr-auditor demo`/);
    }
    const t = io();
    expect(await main(['findings', '--ephemeral'], t.value)).toBe(2);
    expect(t.err.join('\n')).toMatch(/ephemeral/);
  });
});
