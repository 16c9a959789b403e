/**
 * The auditor's view of Azure, through the real SDK clients, one adapter per source (the use cases
 * depend on the ports in usecases/ports.ts): Resource Graph, ARM, the ACR data plane and Log Analytics.
 * Every read either returns validated snapshots or throws `ScopeReadError` naming the scope; the use
 * cases turn those into gaps.
 */
import type { AzureSources } from '../usecases/ports.js';
import { ArmSource } from './arm.js';
import type { AzureConnection } from './connection.js';
import { LogAnalyticsSource } from './logs.js';
import { RegistryDataPlane } from './registryDataPlane.js';
import { ResourceGraphSource } from './resourceGraph.js';
import { DefenderSource } from './defender.js';

export type { AzureConnection } from './connection.js';
export { parseQuotaReset } from './resourceGraph.js';

/** The four Azure adapters over one connection. */
export function createAzureSources(conn: AzureConnection): AzureSources {
  const graph = new ResourceGraphSource(conn);
  // Defender reads go through the same Resource Graph client (one quota queue per process).
  return { graph, arm: new ArmSource(conn), registry: new RegistryDataPlane(conn), logs: new LogAnalyticsSource(conn), security: new DefenderSource(graph) };
}
