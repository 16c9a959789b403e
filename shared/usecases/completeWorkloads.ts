/**
 * A step of the workload shard (issue 14): completes what Resource Graph's workload rows do not carry.
 * - App Service sites that run sitecontainers (`linuxFxVersion` `sitecontainers`): their containers are the
 *   `Microsoft.Web/sites/sitecontainers` child resources, which Resource Graph does not index: listed from ARM
 *   (ArmPort.listChildContainers). A site whose containers cannot be read is a gap and is left out of the
 *   evaluation (its findings stay as they are): never "no containers", never a pass.
 * - App Service site config (`acrUseManagedIdentityCreds`, `config/web`, ARM) for sites that run a container.
 * - Container Apps environments (Resource Graph `microsoft.app/managedenvironments`): network and log destination.
 * - Diagnostic settings (ARM) where the logs rule needs them: ACI without diagnostics.logAnalytics, App Service
 *   sites with containers, environments whose logs go to azure-monitor.
 * A read that fails leaves the setting `unread` (the rules answer inconclusive) and records a gap.
 * ARM reads go through the adapters' pipelines (retries honouring Retry-After) and at most
 * `config.concurrency` at a time.
 */
import type { DiagnosticSettingFacts, Gap, ManagedEnvironmentFacts, WorkloadSettings, WorkloadSnapshot } from '../domain/snapshots.js';
import { gapFromError } from '../inventory/errors.js';
import { mapLimit } from '../util/concurrency.js';
import type { AuditDeps } from './common.js';

export interface CompletedWorkloads {
  workloads: WorkloadSnapshot[];
  /** Workloads that could not be completed (lower-case ids): not evaluated, their findings kept. */
  unreadable: Set<string>;
  gaps: Gap[];
}

const isAcr = (image: string) => /^[a-z0-9-]+\.azurecr\.(io|cn|us)\//i.test(image);

export async function completeWorkloads(deps: AuditDeps, subscriptionId: string, listed: readonly WorkloadSnapshot[]): Promise<CompletedWorkloads> {
  const gaps: Gap[] = [];
  const unreadable = new Set<string>();
  const needsEnvironment = listed.some((w) => w.kind === 'containerApp' || w.kind === 'containerAppJob');
  let environments: Map<string, ManagedEnvironmentFacts> | undefined;
  if (needsEnvironment) {
    try {
      environments = await deps.azure.graph.listManagedEnvironments(subscriptionId);
    } catch (e) {
      gaps.push({ ...gapFromError(e, `/subscriptions/${subscriptionId}`), reason: 'Container Apps environments could not be read' });
    }
  }
  const environmentDiagnostics = new Map<string, Promise<DiagnosticSettingFacts[] | 'unread'>>();
  const diagnosticsOf = (resourceId: string): Promise<DiagnosticSettingFacts[] | 'unread'> => {
    const key = resourceId.toLowerCase();
    let p = environmentDiagnostics.get(key);
    if (!p) {
      p = deps.azure.arm.listDiagnosticSettings(resourceId, subscriptionId).catch((e: unknown) => {
        gaps.push({ ...gapFromError(e, resourceId), reason: `diagnostic settings could not be read (${e instanceof Error ? e.message.slice(0, 200) : 'error'})` });
        return 'unread' as const;
      });
      environmentDiagnostics.set(key, p);
    }
    return p;
  };

  const out: WorkloadSnapshot[] = [];
  await mapLimit([...listed], deps.config.concurrency, async (w) => {
    let workload = w;
    const settings: WorkloadSettings | undefined = w.settings ? { ...w.settings } : undefined;
    try {
      if (w.childContainers === 'sitecontainers') {
        const children = await deps.azure.arm.listChildContainers(w.id);
        if (children.length === 0) throw new Error('the site runs sitecontainers but none is listed');
        workload = { ...w, containers: [...w.containers, ...children] };
      }
    } catch (e) {
      unreadable.add(w.id.toLowerCase());
      const gap = gapFromError(e, w.id);
      gaps.push({ ...gap, reason: `sitecontainers could not be read: ${gap.reason}` });
      return;
    }
    if (settings && w.kind === 'webApp' && (workload.containers.length > 0)) {
      // The main DOCKER| container pulls with the site config's credentials; sitecontainers carry their own authType.
      const main = workload.containers.find((c) => !c.pull);
      if (!main) settings.registryPulls = { state: 'read', value: [] };
      else {
        try {
          const cfg = await deps.azure.arm.getSiteConfig(w.id);
          const mi = cfg.acrUseManagedIdentityCreds === true;
          const server = main.image.split('/')[0]!;
          // Older site config shapes carry no acrUseManagedIdentityCreds: how an ACR pull authenticates is then
          // unknown (inconclusive), never a pass and not a password pull (test/cli/workloadShapes.test.ts).
          settings.registryPulls = cfg.acrUseManagedIdentityCreds === undefined && isAcr(main.image) ? { state: 'unread', reason: 'site config (config/web) does not say acrUseManagedIdentityCreds (older API shape)' } : {
            state: 'read',
            value: mi
              ? [{ server, method: 'managed-identity', identity: cfg.acrUserManagedIdentityID ?? 'system' }]
              : isAcr(main.image)
                ? [{ server, method: 'password' }]
                : [],
          };
        } catch (e) {
          const gap = gapFromError(e, w.id);
          gaps.push({ ...gap, reason: `site config could not be read: ${gap.reason}` });
          settings.registryPulls = { state: 'unread', reason: 'site config (config/web) could not be read' };
        }
      }
    }
    if (settings && settings.logs.state === 'read') {
      const logs = { ...settings.logs.value };
      if (w.kind === 'containerApp' || w.kind === 'containerAppJob') {
        const env = logs.environmentId ? environments?.get(logs.environmentId.toLowerCase()) : undefined;
        logs.environmentDestination = env ? env.logsDestination : 'unread';
        if (env?.logsDestination === 'azure-monitor') logs.diagnosticSettings = await diagnosticsOf(env.id);
      } else if ((w.kind === 'containerGroup' && !logs.logAnalytics) || (w.kind === 'webApp' && workload.containers.length > 0)) {
        logs.diagnosticSettings = await diagnosticsOf(w.id);
      }
      settings.logs = { state: 'read', value: logs };
    }
    if (settings && settings.network.state === 'read' && settings.network.value.environmentId) {
      const env = environments?.get(settings.network.value.environmentId.toLowerCase());
      settings.network = { state: 'read', value: { ...settings.network.value, environment: env ? { internal: env.internal, subnet: env.subnet } : 'unread' } };
    }
    out.push(settings ? { ...workload, settings } : workload);
  });
  out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { workloads: out, unreadable, gaps };
}
