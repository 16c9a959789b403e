/**
 * Issue 14: `registry.admin-user-disabled` findings name the workloads that pull with the registry's admin
 * credentials (user name = registry name). The nightly planner reads them once per run (Resource Graph rows of
 * ACI groups, Container Apps and jobs) and gives each registry shard its list through the run context; the
 * registry and workload shards still run separately. Evidence only: a failed read never stops the run.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_APPROVED_BASE_IMAGES, DEMO_APPROVED_REGISTRIES, DEMO_REGISTRIES, demoEstate } from '../../estates/demo.js';
import { runNightlyLocally } from '../../cli/localQueue.js';
import type { StoredFinding } from '../../shared/findings/diff.js';
import { findingId } from '../../shared/findings/keys.js';
import type { NightlyDeps } from '../../shared/usecases/nightly.js';
import type { ResourceGraphPort } from '../../shared/usecases/ports.js';
import { startHarness, type Harness } from '../support/harness.js';

const NOW = new Date('2026-11-22T02:00:00Z');
const SETTINGS = { AUDITOR_APPROVED_REGISTRIES: DEMO_APPROVED_REGISTRIES.join(','), AUDITOR_APPROVED_BASE_IMAGES: DEMO_APPROVED_BASE_IMAGES.join(',') };

const harnesses: Harness[] = [];
afterEach(async () => {
  while (harnesses.length) await harnesses.pop()!.close();
});

async function run(graph?: (g: ResourceGraphPort) => ResourceGraphPort): Promise<{ findings: StoredFinding[]; status: string | undefined }> {
  const h = await startHarness({ estate: demoEstate(NOW), settings: SETTINGS, now: NOW });
  harnesses.push(h);
  const s = h.host.services;
  const deps: NightlyDeps = graph ? { ...s.deps, azure: { ...s.deps.azure, graph: graph(s.deps.azure.graph) } } : s.deps;
  await runNightlyLocally(deps, { queue: s.shardQueue, poison: s.shardPoisonQueue }, { runId: 'admin-pulls', workers: 3, maxDequeueCount: 3, retryAfterSeconds: 1, timeoutInMs: 60_000 });
  const findings: StoredFinding[] = [];
  for await (const f of s.findings.listFindings()) findings.push(f);
  return { findings, status: (await s.runs.getRun('admin-pulls'))?.status };
}

const adminFinding = (findings: StoredFinding[], key: keyof typeof DEMO_REGISTRIES) => {
  const id = DEMO_REGISTRIES[key].id;
  return findings.find((f) => f.id === findingId('registry.admin-user-disabled', id, id));
};

describe('registry.admin-user-disabled names the workloads pulling with the admin account (nightly, run context)', () => {
  it('names the demo workloads that pull with contosodev\'s and shadowbuilds\' admin user, and none where no workload does', async () => {
    const { findings, status } = await run();
    expect(status).toBe('complete');
    const dev = adminFinding(findings, 'dev')!;
    expect(dev.status).toBe('open');
    const devPulls = dev.evidence.workloadsPullingWithAdmin as { count: number; workloads: string[] };
    expect(devPulls.count).toBe(devPulls.workloads.length);
    expect(devPulls.workloads.map((w) => w.split('/').pop())).toContain('aci-dev-sandbox');
    const shadow = adminFinding(findings, 'shadow')!;
    expect((shadow.evidence.workloadsPullingWithAdmin as { workloads: string[] }).workloads.map((w) => w.split('/').pop())).toContain('caj-data-sync');
    // contosoplatform's admin account is used by CI agents (logins), not by a workload's registry credentials.
    expect(adminFinding(findings, 'platform')!.evidence).not.toHaveProperty('workloadsPullingWithAdmin');
  }, 60_000);

  it('a failed read of the workloads\' credentials leaves the evidence out and the run completes', async () => {
    const failing = (g: ResourceGraphPort): ResourceGraphPort =>
      new Proxy(g, {
        get(target, key) {
          if (key === 'workloadPasswordPulls') return () => Promise.reject(new Error('Resource Graph unavailable'));
          const v: unknown = Reflect.get(target, key, target);
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      });
    const { findings, status } = await run(failing);
    expect(status).toBe('complete');
    const dev = adminFinding(findings, 'dev')!;
    expect(dev.status).toBe('open');
    expect(dev.evidence).not.toHaveProperty('workloadsPullingWithAdmin');
  }, 60_000);
});
