/**
 * The image a container runs was updated within the stale limit of its repository.
 *
 * `not_found` fails: the running image (tag or digest) no longer exists in its registry, so it cannot
 * be re-pulled on restart or scale-out, and nobody will rebuild it: it is stale by construction and
 * unverifiable, and "no finding" must mean "checked and compliant".
 */
import { ageInDays, defineRule, fail, notApplicable, pass } from './kit.js';
import { staleLimitFor } from './params.js';

export const workloadImageFresh = defineRule({
  id: 'workload.image-fresh',
  title: 'Workload runs an image updated within the stale limit',
  target: 'workloadImage',
  severity: 'medium',
  rationale:
    'A running image that has not been rebuilt for longer than the stale limit carries the vulnerabilities fixed since in its ' +
    'OS and libraries, exposed to real traffic. An image that no longer exists in its registry fails too: the workload runs ' +
    'something that can be neither re-pulled nor patched, and its age cannot be checked.',
  remediation: {
    description:
      'Rebuild the image (ACR Tasks base image trigger), then roll the workload to the new tag or digest; automate the rollout ' +
      'so a rebuild reaches production. If the image was deleted, redeploy from a current build.',
    cli: 'az containerapp update --name <app> --resource-group <rg> --image <registry>.azurecr.io/<repository>:<new-tag>',
    bicep:
      "resource app 'Microsoft.App/containerApps@2024-03-01' = {\n" +
      '  name: appName\n' +
      '  location: location\n' +
      '  properties: {\n' +
      '    environmentId: environment.id\n' +
      "    template: { containers: [ { name: 'api', image: '${acr.properties.loginServer}/team/api:${imageTag}' } ] }\n" +
      '  }\n' +
      '}',
  },
  guidance: 'images-up-to-date',
  mcsb: ['PV-6', 'DS-6'],
  references: [
    'https://learn.microsoft.com/azure/container-registry/container-registry-tasks-base-images',
    'https://learn.microsoft.com/azure/container-apps/revisions',
    'https://learn.microsoft.com/security/benchmark/azure/mcsb-posture-vulnerability-management',
  ],
  modes: ['nightly'],
  // The age grows every day; the message names the date instead, so an unchanged image is not rewritten.
  volatileEvidence: ['ageInDays'],
  evaluate({ container, reference, resolved }, { now, params }) {
    const base = { image: container.image, container: container.name };
    if (!reference) return notApplicable('image reference does not parse: see workload.image-from-approved-registry', { conclusive: false, evidence: base });
    if (!resolved) return notApplicable('the running image was not resolved in this audit', { conclusive: false, evidence: base });
    switch (resolved.status) {
      case 'not_audited':
        return notApplicable(`image is outside the audited registries: ${resolved.detail}`, { conclusive: true, evidence: { ...base, detail: resolved.detail } });
      case 'error':
        return notApplicable(`the running image could not be resolved: ${resolved.detail}`, { conclusive: false, evidence: { ...base, detail: resolved.detail } });
      case 'not_found':
        return fail(`the running image no longer exists in ${reference.registry}: ${resolved.detail}`, { ...base, detail: resolved.detail });
      case 'found': {
        const age = ageInDays(resolved.lastUpdateTime, now);
        if (Number.isNaN(age)) throw new Error(`unparseable lastUpdateTime ${JSON.stringify(resolved.lastUpdateTime)}`);
        const limitDays = staleLimitFor(params, reference.repository);
        const evidence = { ...base, digest: resolved.digest, ageInDays: age, limitDays, lastUpdateTime: resolved.lastUpdateTime };
        return age > limitDays
          ? fail(`running image was last updated on ${day(resolved.lastUpdateTime)}, older than the ${limitDays}-day limit`, evidence)
          : pass(`running image was updated on ${day(resolved.lastUpdateTime)}, within the ${limitDays}-day limit`, evidence);
      }
    }
  },
});

/** The calendar day (UTC) of an ISO time, as written in messages. */
function day(iso: string): string {
  return iso.slice(0, 10);
}
