/**
 * Issue 14, "Also fix": App Service sites that run sidecars (`linuxFxVersion` `sitecontainers`) keep their images
 * in `Microsoft.Web/sites/sitecontainers` child resources, which Resource Graph does not index. The nightly
 * audit lists them from ARM (the emulator serves them from the estate's `armOnly`) and audits every sidecar
 * image with the image rules; a site whose containers cannot be read (403 on the child resource) is a gap: the
 * run is partial and the site's findings stay as they were, never resolved.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_APPROVED_BASE_IMAGES, DEMO_APPROVED_REGISTRIES, DEMO_REGISTRIES, demoEstate } from '../../estates/demo.js';
import type { EstateDocument } from '../../estates/build.js';
import { findingId } from '../../shared/findings/keys.js';
import { workloadImageSubject } from '../../shared/rules/subjects.js';
import { runNightly, startHarness, storedFindings, type Harness } from '../support/harness.js';

const NOW = new Date('2026-11-22T02:00:00Z');
const PROD = DEMO_REGISTRIES.prod.loginServer;
const MAIN = `${PROD}/team/web:2.1`; // fresh, approved, pinned to a tag: no finding
const MISSING = `${PROD}/team/api:1.6.0`; // the tag does not exist: workload.image-fresh fails
const HUB = 'nginx:latest'; // Docker Hub, moving tag: workload.image-from-approved-registry and workload.image-pinned fail

function sidecarEstate(): { estate: EstateDocument; siteId: string } {
  const estate = demoEstate(NOW);
  const site = estate.resources.find((r) => r.name === 'app-contoso-portal')!;
  const siteId = site.id as string;
  const props = (site.properties as { siteProperties: { properties: Array<{ name: string; value: unknown }> } }).siteProperties.properties;
  props.find((p) => p.name === 'LinuxFxVersion')!.value = 'sitecontainers';
  const item = (name: string, properties: Record<string, unknown>) => ({ id: `${siteId}/sitecontainers/${name}`, name: `app-contoso-portal/${name}`, type: 'Microsoft.Web/sites/sitecontainers', properties });
  (estate as EstateDocument & { armOnly: Record<string, unknown> }).armOnly = {
    // GET {site}/sitecontainers as Microsoft.Web 2025-03-01 answers it.
    [`${siteId}/sitecontainers`]: {
      value: [
        item('main', { image: MAIN, targetPort: '8080', isMain: true, authType: 'SystemIdentity', environmentVariables: [] }),
        item('api-shim', { image: MISSING, isMain: false, authType: 'SystemIdentity' }),
        item('proxy', { image: HUB, isMain: false, authType: 'Anonymous' }),
      ],
    },
  };
  return { estate, siteId };
}

describe('App Service sitecontainers (issue 14)', () => {
  let h: Harness;
  const { estate, siteId } = sidecarEstate();
  const shardOf = async (runId: string) => (await h.host.services.runs.listShards(runId)).find((s) => s.key === `/subscriptions/${(estate.resources.find((r) => r.id === siteId)!.subscriptionId as string).toLowerCase()}`)!;
  const expected = [
    ['workload.image-fresh', workloadImageSubject('api-shim', MISSING)],
    ['workload.image-from-approved-registry', workloadImageSubject('proxy', HUB)],
    ['workload.image-pinned', workloadImageSubject('proxy', HUB)],
  ] as const;

  beforeAll(async () => {
    h = await startHarness({
      estate,
      now: NOW,
      settings: { AUDITOR_APPROVED_REGISTRIES: DEMO_APPROVED_REGISTRIES.join(','), AUDITOR_APPROVED_BASE_IMAGES: DEMO_APPROVED_BASE_IMAGES.join(',') },
    });
  }, 60_000);
  afterAll(async () => h?.close());

  it('audits every sidecar image with the image rules (the main container too), without a gap', async () => {
    const r = await runNightly(h, 'sc-1', { workers: 2 });
    expect(r.run.status).toBe('complete');
    expect((await shardOf('sc-1')).gaps).toEqual([]);
    const open = (await storedFindings(h)).filter((f) => f.status === 'open' && f.resourceId === siteId);
    for (const [rule, subject] of expected) expect(open.some((f) => f.id === findingId(rule, siteId, subject)), `${rule} ${subject}`).toBe(true);
    // The main sitecontainer was audited and passes: no image finding names it.
    expect(open.filter((f) => f.subject === workloadImageSubject('main', MAIN))).toEqual([]);
    // Every image subject of the site is one of its sitecontainers (nothing from a siteConfig.sitecontainers array).
    const images = new Set([workloadImageSubject('main', MAIN), workloadImageSubject('api-shim', MISSING), workloadImageSubject('proxy', HUB)]);
    for (const f of open.filter((x) => x.subject !== siteId)) expect(images.has(f.subject), f.subject).toBe(true);
  }, 90_000);

  it('a site whose sitecontainers answer 403 is a gap: the run is partial and its findings stay open, never resolved', async () => {
    const before = (await storedFindings(h)).filter((f) => f.status === 'open' && f.resourceId === siteId);
    expect(before.length).toBeGreaterThanOrEqual(expected.length);
    h.emulator.estate = { ...h.emulator.estate, emulator: { ...(h.emulator.estate.emulator ?? {}), forbidden: [`${siteId}/sitecontainers`] } } as never;
    const r = await runNightly(h, 'sc-2', { workers: 2 });
    expect(r.run.status).toBe('partial');
    const gaps = (await shardOf('sc-2')).gaps;
    const gap = gaps.find((g) => g.scope.toLowerCase() === siteId.toLowerCase());
    expect(gap, JSON.stringify(gaps)).toBeDefined();
    expect(gap!.status).toBe(403);
    expect(gap!.reason).toMatch(/sitecontainers could not be read/);
    const after = await storedFindings(h);
    for (const f of before) {
      const now = after.find((a) => a.id === f.id)!;
      expect(now, f.ruleId).toMatchObject({ status: 'open', lastAuditId: f.lastAuditId });
      expect(now.history!.some((e) => e.kind === 'resolved')).toBe(false);
    }
    // Readable again: audited as before, nothing resolved, nothing reopened.
    h.emulator.estate = { ...h.emulator.estate, emulator: { ...(h.emulator.estate.emulator ?? {}), forbidden: [] } } as never;
    expect((await runNightly(h, 'sc-3', { workers: 2 })).run.status).toBe('complete');
    const final = await storedFindings(h);
    for (const f of before) {
      const now = final.find((a) => a.id === f.id)!;
      expect(now.status, f.ruleId).toBe('open');
      expect(now.history!.filter((e) => e.kind === 'opened' || e.kind === 'reopened'), f.ruleId).toHaveLength(1);
    }
  }, 120_000);
});
