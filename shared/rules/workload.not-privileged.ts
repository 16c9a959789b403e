/**
 * No container runs privileged, may escalate privileges, or adds Linux capabilities outside
 * AUDITOR_ALLOWED_CAPABILITIES (ACI `properties.securityContext`: privileged, allowPrivilegeEscalation,
 * capabilities.add; Microsoft.ContainerInstance 2025-09-01 SecurityContextDefinition). Container Apps and
 * App Service have no such setting: not applicable.
 */
import { defineRule, fail, pass } from './kit.js';
import { capabilityName } from './params.js';
import { bounded, settingOf, unavailable } from './workloadSettings.js';

export const workloadNotPrivileged = defineRule({
  id: 'workload.not-privileged',
  title: 'Workload containers run without privilege',
  target: 'workload',
  severity: 'critical',
  rationale:
    'A privileged container, or one that may escalate privileges or holds extra capabilities (SYS_ADMIN, NET_ADMIN, ...), can break out ' +
    'of its isolation: least privilege is the first control of the container guidance.',
  remediation: {
    description: 'Remove securityContext.privileged and allowPrivilegeEscalation (or set them false) and add only the capabilities the workload needs (list them in AUDITOR_ALLOWED_CAPABILITIES).',
    cli: 'az container create --resource-group <rg> --file group.yaml   # with securityContext: { privileged: false, allowPrivilegeEscalation: false }',
    bicep:
      "resource group 'Microsoft.ContainerInstance/containerGroups@2025-09-01' = {\n" +
      '  name: groupName\n' +
      '  location: location\n' +
      '  properties: {\n' +
      "    osType: 'Linux'\n" +
      "    containers: [ { name: 'app', properties: { image: image, resources: { requests: { cpu: 1, memoryInGB: 1 } },\n" +
      '      securityContext: { privileged: false, allowPrivilegeEscalation: false, capabilities: { drop: [ \'ALL\' ] } } } } ]\n' +
      '  }\n' +
      '}',
  },
  guidance: 'protected-credentials',
  mcsb: ['PV-4', 'PA-7'],
  references: ['https://learn.microsoft.com/azure/container-instances/container-instances-security-context', 'https://learn.microsoft.com/azure/container-instances/container-instances-image-security'],
  modes: ['nightly'],
  evaluate({ workload: w }, { params }) {
    const na = unavailable(settingOf(w, 'securityContext'));
    if (na) return na;
    const allowed = new Set(params.allowedCapabilities);
    const granted = w.containers.flatMap((c) => {
      const sc = c.securityContext;
      if (!sc) return [];
      const extra = sc.addedCapabilities.map(capabilityName).filter((x) => !allowed.has(x));
      const out: Array<{ container: string; grant: string }> = [];
      if (sc.privileged === true) out.push({ container: c.name, grant: 'privileged' });
      if (sc.allowPrivilegeEscalation === true) out.push({ container: c.name, grant: 'allowPrivilegeEscalation' });
      for (const x of extra) out.push({ container: c.name, grant: `capability ${x}` });
      return out;
    });
    if (granted.length) {
      const b = bounded(granted);
      return fail(`${granted.length} privilege grant(s): ${b.items.map((g) => `${g.container}: ${g.grant}`).join(', ')}`, { granted: b.items, ...(b.truncated ? { grantedTruncated: b.truncated } : {}), allowedCapabilities: [...allowed] });
    }
    return pass(`${w.containers.length} container(s) run without privilege`, { containers: w.containers.length });
  },
});
