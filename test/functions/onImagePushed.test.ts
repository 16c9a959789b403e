import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { InvocationContext } from '@azure/functions';
import { DEMO_APPROVED_BASE_IMAGES, DEMO_APPROVED_REGISTRIES, DEMO_REGISTRIES, demoEstate, demoImages } from '../../estates/demo.js';
import { demoPushEvents } from '../../estates/demoEvents.js';
import { makeEventGridHandler, makeQueueHandler } from '../../functions/onImagePushed.js';
import { RejectedEventsError } from '../../shared/host.js';
import { findingId } from '../../shared/findings/keys.js';
import { imageSubject } from '../../shared/rules/subjects.js';
import type { StoredFinding } from '../../shared/findings/diff.js';
import { startHarness, type Harness } from '../support/harness.js';

const NOW = new Date('2026-11-22T02:00:00Z');

function ctx(name: string, dequeueCount = 1): InvocationContext {
  return new InvocationContext({ invocationId: `test-${Math.random().toString(16).slice(2)}`, functionName: name, logHandler: () => undefined, triggerMetadata: { dequeueCount } });
}

async function openFindings(h: Harness): Promise<StoredFinding[]> {
  const out: StoredFinding[] = [];
  for await (const f of h.host.services.findings.listFindings({ status: 'open' })) out.push(f);
  return out;
}

describe('onImagePushed (queue and Event Grid triggers) on the emulator and Azurite', () => {
  let h: Harness;
  // Event documents are plain JSON; the tests reach into them freely.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const events = demoPushEvents(NOW) as Array<Record<string, any>>;
  const [adminPush, unlabeledPush, shadowPush] = events;
  const images = demoImages(NOW);
  beforeAll(async () => {
    h = await startHarness({
      estate: demoEstate(NOW),
      now: NOW,
      settings: { AUDITOR_APPROVED_REGISTRIES: DEMO_APPROVED_REGISTRIES.join(','), AUDITOR_APPROVED_BASE_IMAGES: DEMO_APPROVED_BASE_IMAGES.join(',') },
    });
  });
  afterAll(async () => h.close());
  beforeEach(() => h.emulator.resetCalls());

  it('audits a push by the admin account: admin user enabled and used, with the push as evidence', async () => {
    await makeQueueHandler(() => h.host)(adminPush, ctx('onImagePushedQueue'));
    const reg = DEMO_REGISTRIES.platform;
    const open = await openFindings(h);
    const used = open.find((f) => f.id === findingId('registry.admin-user-unused', reg.id, reg.id))!;
    expect(used.evidence).toMatchObject({ actor: reg.name, repository: adminPush!.data.target.repository, tag: adminPush!.data.target.tag, sourceAddress: adminPush!.data.request.addr });
    expect(open.some((f) => f.id === findingId('registry.admin-user-disabled', reg.id, reg.id))).toBe(true);
    // The labeled image passes provenance: no finding for it.
    expect(open.some((f) => f.ruleId === 'image.provenance-labeled' && f.subject === imageSubject(reg.loginServer, images.labeled.repository, images.labeled.digest))).toBe(false);
  });

  it('opens image.provenance-labeled for an unlabeled push, and a redelivery changes nothing', async () => {
    const handler = makeQueueHandler(() => h.host);
    await handler(unlabeledPush, ctx('onImagePushedQueue'));
    const reg = DEMO_REGISTRIES.dev;
    const subject = imageSubject(reg.loginServer, images.unlabeled.repository, images.unlabeled.digest);
    const first = (await openFindings(h)).find((f) => f.ruleId === 'image.provenance-labeled' && f.subject === subject)!;
    expect(first).toBeDefined();
    const findingsBefore = [];
    for await (const r of h.host.services.findings.listFindings()) findingsBefore.push(r);
    await handler(unlabeledPush, ctx('onImagePushedQueue', 2));
    const again = (await openFindings(h)).find((f) => f.id === first.id)!;
    // The same row; only when it was last seen and its facts read (the redelivery read again) move on.
    const { etag: _e1, observedAt: o1, lastSeen: _l1, ...a } = again;
    const { etag: _e2, observedAt: o2, lastSeen: _l2, ...b } = first;
    expect(a).toEqual(b);
    expect(o1! >= o2!).toBe(true);
    const after = [];
    for await (const r of h.host.services.findings.listFindings()) after.push(r);
    expect(after.length).toBe(findingsBefore.length);
  });

  it('uses at most two Azure round trips per event for a registry and repository already seen (cache bound: AUDITOR_REGISTRY_CACHE_SECONDS)', async () => {
    const handler = makeQueueHandler(() => h.host);
    const e = structuredClone(unlabeledPush!);
    e.id = 'c1f3a0b2-0000-4000-8000-000000000001';
    await handler(e, ctx('onImagePushedQueue'));
    const calls = h.emulator.calls();
    expect(calls.arm).toBe(0); // registry state from the bounded-age cache
    expect(calls.registry).toBeLessThanOrEqual(2); // manifest (+ config blob when annotations lack the labels)
  });

  it('the Event Grid trigger audits the same way (unapproved registry, unapproved base image)', async () => {
    await makeEventGridHandler(() => h.host)(shadowPush as never, ctx('onImagePushedEventGrid'));
    const reg = DEMO_REGISTRIES.shadow;
    const open = await openFindings(h);
    expect(open.some((f) => f.id === findingId('registry.approved', reg.id, reg.id))).toBe(true);
    expect(open.some((f) => f.ruleId === 'image.base-approved' && f.resourceId === reg.id)).toBe(true);
  });

  it('a batch with a malformed event: the good event is audited, the delivery fails naming the field (so the queue poisons it)', async () => {
    const good = structuredClone(unlabeledPush!);
    good.id = 'c1f3a0b2-0000-4000-8000-000000000002';
    const bad = structuredClone(unlabeledPush!);
    bad.id = 'c1f3a0b2-0000-4000-8000-000000000003';
    bad.data.target.tag = 'v1\r\nBcc: attacker@example.com';
    const err = await makeQueueHandler(() => h.host)([good, bad], ctx('onImagePushedQueue')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RejectedEventsError);
    expect((err as RejectedEventsError).rejected).toEqual([expect.objectContaining({ index: 1, field: 'data.target.tag' })]);
    const open = await openFindings(h);
    expect(open.some((f) => f.lastAuditId === `evt-${good.id}`)).toBe(true);
    expect(open.some((f) => f.lastAuditId === `evt-${bad.id}`)).toBe(false);
  });

  it('not JSON at all: rejected with the body named, nothing written', async () => {
    const err = await makeQueueHandler(() => h.host)('{"id": "x", ', ctx('onImagePushedQueue')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RejectedEventsError);
    expect((err as RejectedEventsError).rejected[0]).toMatchObject({ index: -1, field: '$' });
  });

  it('out of order: a delete delivered before its push ends with no finding for the deleted image', async () => {
    const handler = makeQueueHandler(() => h.host);
    const reg = DEMO_REGISTRIES.dev;
    const gone = 'sha256:' + 'd'.repeat(64);
    const push = structuredClone(unlabeledPush!);
    push.id = 'c1f3a0b2-0000-4000-8000-000000000010';
    push.data.target.digest = gone;
    const del = {
      ...structuredClone(unlabeledPush!),
      id: 'c1f3a0b2-0000-4000-8000-000000000011',
      eventType: 'Microsoft.ContainerRegistry.ImageDeleted',
      data: { id: 'c1f3a0b2-0000-4000-8000-000000000012', timestamp: NOW.toISOString(), action: 'delete', target: { mediaType: push.data.target.mediaType, digest: gone, repository: push.data.target.repository }, request: push.data.request, actor: push.data.actor, source: push.data.source },
    };
    await handler(del, ctx('onImagePushedQueue'));
    await handler(push, ctx('onImagePushedQueue'));
    const subject = imageSubject(reg.loginServer, push.data.target.repository, gone);
    expect((await openFindings(h)).filter((f) => f.subject === subject)).toEqual([]);
  });

  it('ImageDeleted resolves the open findings about that digest once the manifest is really gone (404)', async () => {
    const reg = DEMO_REGISTRIES.dev;
    const subject = imageSubject(reg.loginServer, images.unlabeled.repository, images.unlabeled.digest);
    expect((await openFindings(h)).some((f) => f.subject === subject)).toBe(true);
    // Delete the manifest from the emulated registry, as the real delete did.
    const content = (h.emulator.estate as unknown as { registryContent: Record<string, { repositories: Record<string, { manifests: Array<{ digest: string }> }> }> }).registryContent;
    const repo = content[reg.loginServer]!.repositories[images.unlabeled.repository]!;
    repo.manifests = repo.manifests.filter((m) => m.digest !== images.unlabeled.digest);
    const del = {
      ...structuredClone(unlabeledPush!),
      id: 'c1f3a0b2-0000-4000-8000-000000000020',
      eventType: 'Microsoft.ContainerRegistry.ImageDeleted',
      data: { id: 'c1f3a0b2-0000-4000-8000-000000000021', timestamp: NOW.toISOString(), action: 'delete', target: { mediaType: images.unlabeled.mediaType, digest: images.unlabeled.digest, repository: images.unlabeled.repository }, request: unlabeledPush!.data.request, actor: unlabeledPush!.data.actor, source: unlabeledPush!.data.source },
    };
    await makeQueueHandler(() => h.host)(del, ctx('onImagePushedQueue'));
    expect((await openFindings(h)).some((f) => f.subject === subject)).toBe(false);
    const all: StoredFinding[] = [];
    for await (const f of h.host.services.findings.listFindings({ status: 'resolved' })) all.push(f);
    expect(all.find((f) => f.subject === subject)).toMatchObject({ resolution: 'gone' });
  });
});
