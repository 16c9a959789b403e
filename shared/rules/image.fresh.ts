/** A tagged image has been rebuilt within the stale limit of its repository. */
import { ageInDays, defineRule, fail, notApplicable, pass } from './kit.js';
import { staleLimitFor } from './params.js';

export const imageFresh = defineRule({
  id: 'image.fresh',
  title: 'Tagged image was updated within the stale limit',
  target: 'image',
  severity: 'low',
  rationale:
    'An image not rebuilt for months still carries the OS and library vulnerabilities fixed since, and the next deployment of ' +
    'that tag ships them. Severity is low because an image sitting in a registry is not necessarily running: ' +
    'workload.image-fresh (medium) reports the stale images that do run.',
  remediation: {
    description:
      'Rebuild the image regularly and on base image updates (ACR Tasks with a base image trigger and a timer), or delete ' +
      'tags nobody deploys any more. Per-repository limits are set with the stale overrides setting.',
    cli:
      'az acr task create --registry <registry> --name rebuild-<repository> \\\n' +
      '  --context https://github.com/<org>/<repo>.git#main --file Dockerfile \\\n' +
      '  --image <repository>:{{.Run.ID}} --base-image-trigger-enabled true \\\n' +
      '  --schedule "0 3 * * 1" --git-access-token <token>\n' +
      '# or retire the tag:\n' +
      'az acr repository untag --name <registry> --image <repository>:<tag>',
    bicep:
      "resource rebuild 'Microsoft.ContainerRegistry/registries/tasks@2019-06-01-preview' = {\n" +
      "  name: 'rebuild-api'\n" +
      '  parent: acr\n' +
      '  location: location\n' +
      '  properties: {\n' +
      "    platform: { os: 'Linux', architecture: 'amd64' }\n" +
      "    step: { type: 'Docker', dockerFilePath: 'Dockerfile', contextPath: sourceRepoUrl, imageNames: [ 'api:{{.Run.ID}}' ], isPushEnabled: true }\n" +
      '    trigger: {\n' +
      "      baseImageTrigger: { name: 'base', baseImageTriggerType: 'Runtime', status: 'Enabled' }\n" +
      "      timerTriggers: [ { name: 'weekly', schedule: '0 3 * * 1', status: 'Enabled' } ]\n" +
      '    }\n' +
      '  }\n' +
      '}',
  },
  guidance: 'images-up-to-date',
  mcsb: ['PV-6', 'DS-6'],
  references: [
    'https://learn.microsoft.com/azure/container-registry/container-registry-tasks-base-images',
    'https://learn.microsoft.com/azure/container-registry/container-registry-tasks-scheduled',
    'https://learn.microsoft.com/azure/container-registry/container-registry-auto-purge',
  ],
  modes: ['nightly'],
  // The age grows every day; the message names the date instead, so an unchanged image is not rewritten.
  volatileEvidence: ['ageInDays'],
  evaluate({ manifest }, { now, params }) {
    if (manifest.tags.length === 0) return notApplicable('untagged manifest: nothing deploys it by tag', { conclusive: true });
    const age = ageInDays(manifest.lastUpdateTime, now);
    if (Number.isNaN(age)) throw new Error(`unparseable lastUpdateTime ${JSON.stringify(manifest.lastUpdateTime)}`);
    const limitDays = staleLimitFor(params, manifest.repository);
    const evidence = { tags: manifest.tags, ageInDays: age, lastUpdateTime: manifest.lastUpdateTime, limitDays };
    return age > limitDays
      ? fail(`image was last updated on ${day(manifest.lastUpdateTime)}, older than the ${limitDays}-day limit`, evidence)
      : pass(`image was updated on ${day(manifest.lastUpdateTime)}, within the ${limitDays}-day limit`, evidence);
  },
});

/** The calendar day (UTC) of an ISO time, as written in messages. */
function day(iso: string): string {
  return iso.slice(0, 10);
}
