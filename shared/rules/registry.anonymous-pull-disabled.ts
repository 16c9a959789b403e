/** Unauthenticated (anonymous) pull is turned off on the registry. */
import { defineRule, fail, pass } from './kit.js';
import { withChangeEvidence } from './settingChanges.js';

export const registryAnonymousPullDisabled = defineRule({
  id: 'registry.anonymous-pull-disabled',
  title: 'Registry anonymous pull access is disabled',
  target: 'registry',
  severity: 'high',
  rationale:
    'With anonymous pull on, anyone who can reach the registry endpoint can list nothing but pull everything: internal images, ' +
    'with their code, configuration and embedded secrets, leave the organisation without any identity or audit trail.',
  remediation: {
    description: 'Give consumers an Entra ID identity with the AcrPull role, then disable anonymous pull.',
    cli: 'az acr update --name <registry> --anonymous-pull-enabled false',
    bicep:
      "resource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {\n" +
      '  name: registryName\n' +
      '  location: location\n' +
      "  sku: { name: 'Standard' }\n" +
      '  properties: {\n' +
      '    anonymousPullEnabled: false\n' +
      '  }\n' +
      '}',
  },
  guidance: 'protected-credentials',
  mcsb: ['IM-1', 'PA-7'],
  references: [
    'https://learn.microsoft.com/azure/container-registry/anonymous-pull-access',
    'https://learn.microsoft.com/azure/container-registry/security-baseline',
  ],
  modes: ['nightly'],
  evaluate({ registry, settingChanges }) {
    return registry.anonymousPullEnabled === true
      ? fail('anonymous pull is enabled: anyone who reaches the registry can pull its images', withChangeEvidence({ anonymousPullEnabled: true }, { settingChanges }, { 'properties.anonymousPullEnabled': true }))
      : pass('anonymous pull is disabled', { anonymousPullEnabled: false });
  },
});
