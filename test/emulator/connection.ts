/**
 * The connection an adapter test gives the real SDK clients against a running loopback emulator: the managed-identity
 * credential pointed at the emulator's token endpoint, Azure's public-cloud endpoints (the emulator answers them all)
 * and the emulator's agent.
 */
import { ManagedIdentityCredential } from '@azure/identity';
import type { RunningEmulator } from '../../emulator/index.js';
import type { CloudConfig } from '../../shared/config.js';
import type { AzureConnection } from '../../shared/inventory/connection.js';

/** Azure's public cloud, as `loadConfig` defaults it. */
export const PUBLIC_CLOUD: CloudConfig = {
  armEndpoint: 'https://management.azure.com',
  armScope: 'https://management.azure.com/.default',
  authorityHost: 'https://login.microsoftonline.com',
  acrAudience: 'https://containerregistry.azure.net',
  logsEndpoint: 'https://api.loganalytics.io/v1',
  logsScope: 'https://api.loganalytics.io/.default',
  portalUrl: 'https://portal.azure.com',
};

/** Points the process's managed identity at `emu` (IDENTITY_ENDPOINT / IDENTITY_HEADER) and returns a connection to it. */
export function emulatorConnection(emu: RunningEmulator, retry: NonNullable<AzureConnection['retry']> = { maxRetries: 3, retryDelayInMs: 50, maxRetryDelayInMs: 2000 }): AzureConnection {
  process.env['IDENTITY_ENDPOINT'] = emu.identityEndpoint;
  process.env['IDENTITY_HEADER'] = emu.identityHeader;
  return { credential: new ManagedIdentityCredential(), cloud: PUBLIC_CLOUD, agent: emu.agent, retry };
}
