/**
 * Issue 9, "done when": two nights through the CLI against one store (AUDITOR_STORAGE pointing at an
 * Azurite). Night 2, a resource group has become unreadable (Resource Graph omits it, ARM answers 403)
 * and one registry was really deleted (ARM 404). `acr-auditor findings --status all --format json`
 * then shows nothing resolved that was not observed passing or confirmed deleted, and every unreadable
 * scope as a gap.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { demoEstate, DEMO_APPROVED_REGISTRIES, DEMO_REGISTRIES } from '../../estates/demo.js';
import { startAzurite, type RunningAzurite } from '../../shared/local/azurite.js';
import { cliEnvironment, capturedIo } from '../support/cli.js';

const io = capturedIo;

interface Row { id: string; ruleId: string; status: string; resourceId: string; subject: string; resolution?: string | null }

describe('two nights through the CLI against one store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'acr-auditor-nights-'));
  const saved = { ...process.env };
  let azurite: RunningAzurite;
  beforeAll(async () => {
    azurite = await startAzurite();
    cliEnvironment();
    process.env.AUDITOR_APPROVED_REGISTRIES = DEMO_APPROVED_REGISTRIES.join(',');
    process.env.AUDITOR_STORAGE = azurite.connectionString;
  });
  afterAll(async () => {
    process.env = { ...saved };
    await azurite.close();
  });

  it('night 2 with a forbidden resource group and a deleted registry resolves only the deleted registry', async () => {
    const night1 = demoEstate(new Date("2026-11-22T02:00:00Z")) as unknown as Record<string, unknown> & { resources: Array<{ id: string }> };
    const prod = DEMO_REGISTRIES.prod;
    const archive = DEMO_REGISTRIES.archive;
    const hiddenGroup = prod.id.slice(0, prod.id.toLowerCase().indexOf('/providers/'));
    const night2 = {
      ...demoEstate(new Date('2026-11-23T02:00:00Z')),
      resources: night1.resources.filter((r) => r.id.toLowerCase() !== archive.id.toLowerCase()),
      emulator: { forbidden: [hiddenGroup] },
    };
    const f1 = join(dir, 'night1.json');
    const f2 = join(dir, 'night2.json');
    writeFileSync(f1, JSON.stringify(night1));
    writeFileSync(f2, JSON.stringify(night2));

    const a1 = io();
    expect(await main(['audit', '--estate', f1, '--format', 'json', '--now', '2026-11-22T02:00:00Z'], a1.value), a1.err.join('\n')).toBe(0);
    const list = async (): Promise<Row[]> => {
      const t = io();
      expect(await main(['findings', '--status', 'all', '--format', 'json'], t.value), t.err.join('\n')).toBe(0);
      return (JSON.parse(t.out.join('\n')) as { findings: Row[] }).findings;
    };
    const before = await list();
    const openBefore = before.filter((f) => f.status === 'open' && f.ruleId !== 'audit.scope-readable');
    const inProd = openBefore.filter((f) => f.resourceId.toLowerCase() === prod.id.toLowerCase());
    const inArchive = openBefore.filter((f) => f.resourceId.toLowerCase() === archive.id.toLowerCase());
    expect(inProd.length).toBeGreaterThan(0);
    expect(inArchive.length).toBeGreaterThan(0);

    const a2 = io();
    expect(await main(['audit', '--estate', f2, '--format', 'json', '--now', '2026-11-23T02:00:00Z'], a2.value), a2.err.join('\n')).toBe(0);
    const run2 = JSON.parse(a2.out.join('\n')) as { run: { complete: boolean; gaps: Array<{ scope: string; reason: string }> } };
    expect(run2.run.complete).toBe(false);
    expect(run2.run.gaps.some((g) => g.scope.toLowerCase() === prod.id.toLowerCase() && /no longer visible/.test(g.reason))).toBe(true);

    const after = new Map((await list()).map((f) => [f.id, f]));
    // The registry in the unreadable resource group: every finding still open, and a gap for it.
    for (const f of inProd) expect(after.get(f.id)!.status, `${f.ruleId} ${f.subject}`).toBe('open');
    expect([...after.values()].some((f) => f.ruleId === 'audit.scope-readable' && f.status === 'open' && f.resourceId.toLowerCase() === prod.id.toLowerCase())).toBe(true);
    // The deleted registry (ARM 404): resolved as gone.
    for (const f of inArchive) expect(after.get(f.id), `${f.ruleId} ${f.subject}`).toMatchObject({ status: 'resolved' });
    // Nothing else resolved without being observed: every finding open on night 1 outside these two
    // registries is still open or was resolved by an observation (passed), never as gone.
    for (const f of openBefore) {
      const now = after.get(f.id)!;
      if (f.resourceId.toLowerCase() === archive.id.toLowerCase()) continue;
      if (now.status === 'resolved') expect(now.resolution, `${f.ruleId} ${f.subject}`).not.toBe('gone');
    }
  }, 120_000);

  it('redrive --list on an empty poison queue says so', async () => {
    const t = io();
    expect(await main(['redrive', '--list'], t.value), t.err.join('\n')).toBe(0);
    expect(t.out.join('\n')).toMatch(/no poisoned pushes/);
  });
});
