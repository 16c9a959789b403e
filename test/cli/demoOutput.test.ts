/**
 * `demo --output DIR` never deletes what it did not write (issue 10, item 9): a directory with someone
 * else's files is refused (exit 2, named, nothing touched); a previous demo output is reused, and only
 * the files the demo writes are replaced.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main, type CliIo } from '../../cli/main.js';
import { DEMO_MARKER } from '../../cli/demo.js';

function io() {
  const out: string[] = [];
  const err: string[] = [];
  const value: CliIo = { out: (s) => out.push(s), err: (s) => err.push(s), isTty: false };
  return { value, out, err };
}

const root = mkdtempSync(join(tmpdir(), 'acr-auditor-demo-out-'));

describe('acr-auditor demo --output DIR', () => {
  it('refuses a non-empty directory that is not a demo output: exit 2, the directory named, the user file kept', async () => {
    const dir = join(root, 'mine');
    mkdirSync(dir);
    writeFileSync(join(dir, 'thesis.txt'), 'four years of work');
    const t = io();
    expect(await main(['demo', '--output', dir], t.value)).toBe(2);
    expect(t.err.join('\n')).toContain(dir);
    expect(t.err.join('\n')).toMatch(/not empty and is not a previous demo output/);
    expect(readFileSync(join(dir, 'thesis.txt'), 'utf8')).toBe('four years of work');
    expect(readdirSync(dir)).toEqual(['thesis.txt']);
  });

  it('refuses a working tree (a directory holding .git), like `--output .`', async () => {
    const dir = join(root, 'repo');
    mkdirSync(join(dir, '.git'), { recursive: true });
    writeFileSync(join(dir, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    const t = io();
    expect(await main(['demo', '--output', dir], t.value)).toBe(2);
    expect(t.err.join('\n')).toContain(dir);
    expect(readFileSync(join(dir, '.git', 'HEAD'), 'utf8')).toBe('ref: refs/heads/main\n');
  });

  it('refuses a path that is a file', async () => {
    const file = join(root, 'a-file');
    writeFileSync(file, 'x');
    const t = io();
    expect(await main(['demo', '--output', file], t.value)).toBe(2);
    expect(t.err.join('\n')).toMatch(/not a directory/);
    expect(readFileSync(file, 'utf8')).toBe('x');
  });

  it('writes into a new directory with its marker, and reuses it on the next run, keeping files it did not write', { timeout: 120_000 }, async () => {
    const dir = join(root, 'fresh', 'demo');
    const first = io();
    expect(await main(['demo', '--output', dir], first.value), first.err.join('\n')).toBe(0);
    expect(existsSync(join(dir, DEMO_MARKER))).toBe(true);
    const cards = readdirSync(join(dir, 'teams')).sort();
    expect(cards.length).toBeGreaterThan(0);
    // Stale demo files from a longer earlier run, and a file someone put there.
    writeFileSync(join(dir, 'teams', 'card-999.json'), '{}');
    writeFileSync(join(dir, 'notes.md'), 'mine');
    writeFileSync(join(dir, 'teams', 'keep.txt'), 'mine too');
    const second = io();
    expect(await main(['demo', '--output', dir], second.value), second.err.join('\n')).toBe(0);
    expect(readdirSync(join(dir, 'teams')).sort()).toEqual([...cards, 'keep.txt'].sort());
    expect(readFileSync(join(dir, 'notes.md'), 'utf8')).toBe('mine');
    expect(readFileSync(join(dir, 'teams', 'keep.txt'), 'utf8')).toBe('mine too');
  });
});
