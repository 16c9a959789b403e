/**
 * Every image a workload runs (main, init and sidecar containers) is pinned: with AUDITOR_PIN_POLICY=tag
 * (default) a digest or a tag other than `latest`; with `digest`, a digest.
 */
import { defineRule, fail, notApplicable, pass } from './kit.js';

export const workloadImagePinned = defineRule({
  id: 'workload.image-pinned',
  title: 'Workload images are pinned to a digest or a version tag',
  target: 'workloadImage',
  severity: 'low',
  rationale: 'An image referenced by `latest` or no tag changes under the workload at the next restart or scale-out: what runs is neither reviewed nor reproducible.',
  remediation: {
    description: 'Reference the image by digest (registry/repository@sha256:...) or, at least, by an immutable version tag; lock tags in ACR (writeEnabled false).',
    cli: 'az containerapp update --name <app> --resource-group <rg> --image <registry>.azurecr.io/<repository>@sha256:<digest>',
    bicep: "resource app 'Microsoft.App/containerApps@2025-07-01' = {\n  name: appName\n  location: location\n  properties: { environmentId: environment.id, template: { containers: [ { name: 'api', image: '${acr.properties.loginServer}/team/api@${imageDigest}' } ] } }\n}",
  },
  guidance: 'approved-images',
  mcsb: ['DS-2'],
  references: ['https://learn.microsoft.com/azure/container-registry/container-registry-image-tag-version', 'https://learn.microsoft.com/azure/container-registry/container-registry-image-lock'],
  modes: ['nightly'],
  evaluate({ container, reference }, { params }) {
    const base = { image: container.image, container: container.name, pinPolicy: params.pinPolicy };
    if (!reference) return notApplicable('image reference does not parse: see workload.image-from-approved-registry', { conclusive: false, evidence: base });
    if (reference.digest) return pass('pinned to a digest', { ...base, digest: reference.digest });
    if (params.pinPolicy === 'digest') return fail(`not pinned to a digest${reference.tag ? ` (tag ${reference.tag})` : ''}`, { ...base, ...(reference.tag ? { tag: reference.tag } : {}) });
    if (!reference.tag || reference.tag === 'latest') return fail(reference.tag ? 'uses the moving tag latest' : 'has no tag (latest implied)', { ...base, tag: reference.tag ?? null });
    return pass(`pinned to tag ${reference.tag}`, { ...base, tag: reference.tag });
  },
});
