/**
 * No secret in plain text in a workload's configuration. The heuristic (shared/domain/secrets.ts, tested in
 * test/domain/secrets.test.ts) flags a variable set with a plain `value` whose name says credential (PASSWORD,
 * SECRET, TOKEN, ..._KEY, CONNECTION_STRING, ...) or whose value looks like one (connection string with a key,
 * SAS token, JWT, PEM private key, URL with a password). ACI `secureValue` and Container Apps `secretRef` pass;
 * a Container Apps `configuration.secrets[]` entry holding a value instead of a Key Vault reference fails.
 * Evidence names the variable and its container, never the value (the mapper never keeps it).
 */
import { defineRule, fail, notApplicable, pass } from './kit.js';
import { bounded, settingOf, unavailable } from './workloadSettings.js';

export const workloadNoPlaintextSecrets = defineRule({
  id: 'workload.no-plaintext-secrets',
  title: 'Workload keeps no secret in plain text',
  target: 'workload',
  severity: 'high',
  rationale:
    'A secret in a plain environment variable or an app secret value is readable by anyone with read access to the resource ' +
    '(Reader, deployment history, exports) and lives in templates and pipelines; Key Vault references and secure values are not returned by ARM.',
  remediation: {
    description:
      'Move the value to Key Vault and reference it: Container Apps configuration.secrets[] with keyVaultUrl and identity, then env[].secretRef; ' +
      'ACI environmentVariables[].secureValue (better: read the secret from Key Vault with the group\'s managed identity). Rotate the exposed secret.',
    cli: 'az containerapp secret set --name <app> --resource-group <rg> --secrets db-password=keyvaultref:<secret-uri>,identityref:system',
    bicep:
      "resource app 'Microsoft.App/containerApps@2025-07-01' = {\n" +
      '  name: appName\n' +
      '  location: location\n' +
      "  identity: { type: 'SystemAssigned' }\n" +
      '  properties: {\n' +
      '    environmentId: environment.id\n' +
      "    configuration: { secrets: [ { name: 'db-password', keyVaultUrl: dbPasswordSecretUri, identity: 'system' } ] }\n" +
      "    template: { containers: [ { name: 'api', image: image, env: [ { name: 'DB_PASSWORD', secretRef: 'db-password' } ] } ] }\n" +
      '  }\n' +
      '}',
  },
  guidance: 'protected-credentials',
  mcsb: ['IM-8'],
  references: [
    'https://learn.microsoft.com/azure/container-apps/manage-secrets',
    'https://learn.microsoft.com/azure/container-instances/container-instances-environment-variables#secure-values',
  ],
  modes: ['nightly'],
  evaluate({ workload: w }) {
    const env = settingOf(w, 'environmentVariables');
    const store = settingOf(w, 'secretStore');
    if (env.state === 'absent' && store.state === 'absent') return notApplicable(env.reason, { conclusive: true });
    const inconclusive = [env, store].find((s) => s.state === 'unread');
    const variables = env.state === 'read'
      ? w.containers.flatMap((c) => (c.env ?? []).filter((e) => e.source === 'value' && e.looksSecret).map((e) => ({ container: c.name, variable: e.name, looksLike: e.looksSecret! })))
      : [];
    const secrets = store.state === 'read' ? store.value.filter((s) => !s.keyVault).map((s) => s.name) : [];
    if (variables.length || secrets.length) {
      const v = bounded(variables);
      const s = bounded(secrets);
      return fail(
        [variables.length ? `${variables.length} variable(s) hold what looks like a secret in plain text` : '', secrets.length ? `${secrets.length} app secret(s) hold a value instead of a Key Vault reference` : '']
          .filter(Boolean)
          .join('; '),
        {
          ...(variables.length ? { variables: v.items, ...(v.truncated ? { variablesTruncated: v.truncated } : {}) } : {}),
          ...(secrets.length ? { secrets: s.items, ...(s.truncated ? { secretsTruncated: s.truncated } : {}) } : {}),
        },
      );
    }
    if (inconclusive) return unavailable(inconclusive)!;
    const checked = w.containers.reduce((n, c) => n + (c.env?.length ?? 0), 0);
    return pass(`no plain-text secret among ${checked} variable(s)${store.state === 'read' ? ` and ${store.value.length} app secret(s)` : ''}`, { variablesChecked: checked });
  },
});
