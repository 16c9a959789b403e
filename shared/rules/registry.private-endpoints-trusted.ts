/** Every private endpoint connected to the registry lives in a trusted subscription. */
import { defineRule, fail, notApplicable, pass } from './kit.js';
import { withChangeEvidence } from './settingChanges.js';
import { REGISTRY_BICEP_HEAD } from './registryFeatures.js';

const MAX_LISTED = 10;

export const registryPrivateEndpointsTrusted = defineRule({
  id: 'registry.private-endpoints-trusted',
  title: 'Registry private endpoints come from trusted subscriptions',
  target: 'registry',
  severity: 'high',
  rationale:
    'A private endpoint connection is a network path into the registry. One created in a subscription outside the estate ' +
    '(another tenant, a personal subscription) lets whoever owns that network pull, or push with a leaked credential, ' +
    'without crossing any firewall the estate controls: an exfiltration path that IP rules and public-access settings do ' +
    'not show. Pending requests from outside are flagged too, so nobody approves them by habit. Trusted: the registry\'s ' +
    'own subscription, AUDITOR_SUBSCRIPTION_IDS and AUDITOR_TRUSTED_SUBSCRIPTIONS.',
  remediation: {
    description: 'Reject or delete connections from private endpoints you do not own; add the subscriptions you do trust to AUDITOR_TRUSTED_SUBSCRIPTIONS.',
    cli:
      'az network private-endpoint-connection list --id $(az acr show --name <registry> --query id -o tsv)\n' +
      'az acr private-endpoint-connection reject --registry-name <registry> --name <connection> --description "not an estate network"\n' +
      'az acr private-endpoint-connection delete --registry-name <registry> --name <connection>',
    bicep:
      '// Connections are requested by the private endpoint\'s owner; declare only your own endpoints and remove the others:\n' +
      REGISTRY_BICEP_HEAD + "  sku: { name: 'Premium' }\n  properties: {\n    publicNetworkAccess: 'Disabled'\n  }\n}",
  },
  guidance: 'private-approved-registries',
  mcsb: ['NS-2'],
  references: [
    'https://learn.microsoft.com/azure/container-registry/container-registry-private-link',
    'https://learn.microsoft.com/azure/private-link/manage-private-endpoint',
    'https://github.com/Azure/azure-rest-api-specs/blob/main/specification/containerregistry/resource-manager/Microsoft.ContainerRegistry/preview/2025-03-01-preview/examples/PrivateEndpointConnectionGet.json',
  ],
  modes: ['nightly'],
  evaluate({ registry, settingChanges, auditedSubscriptions }, { params }) {
    const connections = registry.privateEndpointConnections;
    if (connections === undefined) {
      // Only Premium registries have private endpoints. On Premium, a document without the property (an older API
      // version) says nothing about them: inconclusive, so a stored finding about a foreign endpoint is not resolved unseen.
      if (registry.sku.toLowerCase() !== 'premium') return notApplicable(`private endpoints need the Premium SKU (this registry: ${registry.sku})`, { evidence: { sku: registry.sku } });
      return notApplicable('the registry document carries no privateEndpointConnections (an older API version): connections not read', { conclusive: false, evidence: { sku: registry.sku, privateEndpointCount: registry.privateEndpointCount } });
    }
    if (connections.length === 0) return notApplicable('no private endpoint connection', { evidence: { privateEndpointCount: registry.privateEndpointCount } });
    // In scope: the registry's own subscription, the subscriptions the run audits (AUDITOR_SUBSCRIPTION_IDS, or every
    // readable one when it is empty) and AUDITOR_TRUSTED_SUBSCRIPTIONS.
    const trusted = new Set([registry.subscriptionId.toLowerCase(), ...params.trustedSubscriptions, ...(auditedSubscriptions ?? [])]);
    // Rejected and disconnected connections carry no traffic; approved and pending ones from outside are flagged.
    const live = connections.filter((c) => !['rejected', 'disconnected'].includes(c.status.toLowerCase()));
    const foreign = live.filter((c) => c.subscriptionId === undefined || !trusted.has(c.subscriptionId));
    const evidence: Record<string, unknown> = { connections: connections.length, live: live.length };
    if (!foreign.length) return pass(`${live.length} live private endpoint connection(s), all from trusted subscriptions`, evidence);
    evidence.untrusted = foreign.slice(0, MAX_LISTED).map((c) => ({ name: c.name, status: c.status, subscriptionId: c.subscriptionId ?? null, privateEndpointId: c.privateEndpointId ?? null }));
    if (foreign.length > MAX_LISTED) evidence.untrustedOmitted = foreign.length - MAX_LISTED;
    const approved = foreign.filter((c) => c.status.toLowerCase() === 'approved').length;
    return fail(
      `${foreign.length} private endpoint connection(s) from untrusted subscriptions (${approved} approved, ${foreign.length - approved} pending or other)`,
      withChangeEvidence(evidence, { settingChanges }, { 'properties.privateEndpointConnections': undefined }),
    );
  },
});
