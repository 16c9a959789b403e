/**
 * The image was pushed by an approved identity: the Event Grid `ImagePushed` event's `actor.name` at push time, and at
 * night the `Identity` of every successful push of the digest in ContainerRegistryRepositoryEvents within the look-back
 * window, are on AUDITOR_APPROVED_PUSHERS.
 */
import { defineRule, fail, notApplicable, pass } from './kit.js';
import { isApprovedPusher } from './params.js';

export const imagePushedByApprovedIdentity = defineRule({
  id: 'image.pushed-by-approved-identity',
  title: 'Image was pushed by an approved identity',
  target: 'image',
  severity: 'high',
  rationale:
    'The guidance asks for an accurate audit trail of administrative access; for a registry the question that matters is ' +
    'who changed the images production runs, not only whether the admin account exists. An image pushed by a person\'s ' +
    'account, a leaked token or a pipeline that is not the release pipeline bypasses review, build provenance and signing ' +
    'even when every registry setting is right. The rule compares the pusher ACR recorded (Event Grid actor.name, the ' +
    'repository logs\' Identity) with AUDITOR_APPROVED_PUSHERS; any unapproved push of the digest in the window fails it. ' +
    'A push older than the window, or logs that are not routed to a readable workspace, leave it undecided (never a pass).',
  remediation: {
    description:
      'Find out why the identity in the evidence pushed (a person, a token, an unknown pipeline), remove its push rights ' +
      '(see registry.push-access-restricted), rebuild the image in the release pipeline and push it from there, and delete ' +
      'the image that was pushed outside it. Route ContainerRegistryRepositoryEvents to Log Analytics so pushes stay auditable.',
    cli:
      '# who pushed what (Log Analytics):\n' +
      'az monitor log-analytics query --workspace <workspace guid> --analytics-query \\\n' +
      '  "ContainerRegistryRepositoryEvents | where OperationName == \'Push\' | project TimeGenerated, Identity, Repository, Tag, Digest"\n' +
      'az acr repository delete --name <registry> --image <repository>@<digest>',
    bicep:
      "resource acr 'Microsoft.ContainerRegistry/registries@2025-04-01' existing = {\n" +
      '  name: registryName\n' +
      '}\n' +
      '// keep the push trail: repository events to the central workspace\n' +
      "resource audit 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {\n" +
      "  name: 'acr-audit'\n" +
      '  scope: acr\n' +
      "  properties: { workspaceId: workspaceId, logs: [ { category: 'ContainerRegistryRepositoryEvents', enabled: true } ] }\n" +
      '}',
  },
  guidance: 'audited-admin-access',
  mcsb: ['LT-3', 'DS-6'],
  references: [
    'https://learn.microsoft.com/azure/event-grid/event-schema-container-registry',
    'https://learn.microsoft.com/azure/azure-monitor/reference/tables/containerregistryrepositoryevents',
    'https://learn.microsoft.com/azure/container-registry/monitor-container-registry',
  ],
  modes: ['push', 'nightly'],
  // One push shows one pusher: a push by an approved identity says nothing about other pushes of the same digest.
  pushResults: 'fail-only',
  evaluate({ pushedBy }, { params }) {
    if (params.approvedPushers.length === 0) return notApplicable('no approved pushers are configured (AUDITOR_APPROVED_PUSHERS)', { conclusive: true });
    if (!pushedBy) return notApplicable('who pushed the image was not read in this audit', { conclusive: false });
    if (pushedBy.status === 'unknown') return notApplicable(`no push record of the image could be read: ${pushedBy.reason}`, { conclusive: false });
    const { source, pushers, partial, lookbackDays } = pushedBy;
    if (pushers.length === 0) return notApplicable('no push record of the image could be read', { conclusive: false });
    const unapproved = pushers.filter((p) => !isApprovedPusher(params, p.identity));
    const evidence = { source, ...(lookbackDays !== undefined ? { lookbackDays } : {}) };
    if (unapproved.length) {
      return fail(`pushed by ${unapproved.length === 1 ? 'an identity' : `${unapproved.length} identities`} not on AUDITOR_APPROVED_PUSHERS: ${unapproved.map((p) => p.identity).slice(0, 3).join(', ')}`, {
        ...evidence,
        unapproved,
        approved: pushers.length - unapproved.length,
        ...(partial ? { partial: true } : {}),
      });
    }
    if (partial) return notApplicable('every listed pusher is approved, but more identities pushed the image than were read', { conclusive: false, evidence: { ...evidence, pushers } });
    return pass(`pushed by approved ${pushers.length === 1 ? 'identity' : 'identities'} ${pushers.map((p) => p.identity).join(', ')}`, { ...evidence, pushers });
  },
});
