/**
 * Issue 15: `acr-auditor event` and the signing grace period. Notation signs after the push, so a push audited
 * before AUDITOR_SIGNATURE_GRACE_MINUTES have passed without a signature is inconclusive (no finding); audited
 * after it, a missing signature fails; a signature that has arrived passes, whenever the push is audited.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main, type CliIo } from '../../cli/main.js';
import type { FindingOut } from '../../cli/output.js';
import { demoEstate, demoImages, DEMO_APPROVED_REGISTRIES, DEMO_APPROVED_SIGNERS } from '../../estates/demo.js';
import { demoPushEvents } from '../../estates/demoEvents.js';
import { digestOf } from '../../estates/build.js';
import { cliEnvironment } from '../support/cli.js';

const NOW = new Date('2026-11-22T02:00:00Z');
const dir = mkdtempSync(join(tmpdir(), 'acr-auditor-signature-grace-'));
/** The admin push of platform/base:3.0.20, 14 minutes before NOW (estates/demoEvents.ts). */
const events = join(dir, 'events.json');
writeFileSync(events, JSON.stringify(demoPushEvents(NOW).slice(0, 1)));
const image = demoImages(NOW).labeled;

function estateFile(name: string, signer?: string): string {
  const estate = demoEstate(NOW);
  if (signer) {
    const m = estate.registryContent[image.loginServer]!.repositories[image.repository]!.manifests.find((x) => x.digest === image.digest)!;
    m.referrers = [{ digest: digestOf(`late-signature|${signer}`), artifactType: 'application/vnd.cncf.notary.signature', annotations: { 'io.cncf.notary.x509chain.thumbprint#S256': JSON.stringify([signer]) } }];
  }
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(estate));
  return file;
}
const unsigned = estateFile('unsigned');
const signed = estateFile('signed', DEMO_APPROVED_SIGNERS[0]!);
const signedByStranger = estateFile('stranger', 'F'.repeat(64));

async function event(estate: string, minutesAfterNow: number): Promise<FindingOut[]> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (s) => out.push(s), err: (s) => err.push(s), isTty: false, outIsTty: false };
  const at = new Date(NOW.getTime() + minutesAfterNow * 60_000).toISOString();
  const code = await main(['event', events, '--estate', estate, '--now', at, '--ephemeral', '--format', 'json'], io);
  expect(code, err.join('\n')).toBe(0);
  return (JSON.parse(out.join('\n')) as { findings: FindingOut[] }).findings.filter((f) => f.ruleId.startsWith('image.signed'));
}

describe('acr-auditor event: signatures and the grace period', () => {
  const saved = { ...process.env };
  beforeEach(() => {
    cliEnvironment();
    process.env.AUDITOR_APPROVED_REGISTRIES = DEMO_APPROVED_REGISTRIES.join(',');
    process.env.AUDITOR_SIGNATURE_REQUIRED = 'platform/*';
    process.env.AUDITOR_APPROVED_SIGNERS = DEMO_APPROVED_SIGNERS.join(',');
  });
  afterEach(() => {
    process.env = { ...saved };
  });

  it('no signature yet, audited within the grace (14 minutes after the push): no finding', async () => {
    expect(await event(unsigned, 0)).toEqual([]);
  }, 60_000);

  it('the signature arrived within the grace: passes, nothing opens', async () => {
    expect(await event(signed, 0)).toEqual([]);
  }, 60_000);

  it('no signature after the grace (44 minutes after the push): both signing rules fail', async () => {
    const found = await event(unsigned, 30);
    expect(found.map((f) => f.ruleId).sort()).toEqual(['image.signed', 'image.signed-by-approved-signer']);
    expect(found.every((f) => f.subject.endsWith(`${image.repository}@${image.digest}`))).toBe(true);
  }, 60_000);

  it('a signature that arrived after the grace passes when the push is audited (late delivery)', async () => {
    expect(await event(signed, 30)).toEqual([]);
  }, 60_000);

  it('a signature by a signer nobody approved fails at once, even within the grace', async () => {
    expect((await event(signedByStranger, 0)).map((f) => f.ruleId)).toEqual(['image.signed-by-approved-signer']);
  }, 60_000);

  it('the grace period is a setting', async () => {
    process.env.AUDITOR_SIGNATURE_GRACE_MINUTES = '60';
    expect(await event(unsigned, 30)).toEqual([]);
  }, 60_000);
});
