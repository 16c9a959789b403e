/**
 * What every Azure adapter shares: the credential, the cloud's endpoints, the HTTPS agent (the loopback
 * emulator routes every host through one), the SDK retry policy and the per-service call counter.
 */
import type { Agent } from 'node:https';
import type { TokenCredential } from '@azure/core-auth';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import type { CloudConfig } from '../config.js';

export type AzureService = 'resourceGraph' | 'arm' | 'registry' | 'logs';

export interface AzureConnection {
  credential: TokenCredential;
  cloud: CloudConfig;
  /** Custom HTTPS agent (the loopback emulator routes every host through one). */
  agent?: Agent;
  /** SDK retry policy: the SDK honours Retry-After on 429 and backs off on 5xx. */
  retry?: { maxRetries?: number; retryDelayInMs?: number; maxRetryDelayInMs?: number };
  /** Called with the service name on every response (metrics, benchmarks). */
  onCall?: (service: AzureService) => void;
}

export type Obj = Record<string, unknown>;
export const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);

/** SDK client options every adapter uses for one service. */
export function clientOptions(conn: AzureConnection, service: AzureService) {
  const onCall = conn.onCall;
  return {
    ...(conn.agent ? { agent: conn.agent } : {}),
    retryOptions: { maxRetries: 4, retryDelayInMs: 500, maxRetryDelayInMs: 30_000, ...conn.retry },
    userAgentOptions: { userAgentPrefix: 'acr-auditor/0.1' },
    additionalPolicies: onCall ? [{ position: 'perRetry' as const, policy: callCounter(service, onCall) }] : [],
  };
}

/** Options of an ARM-plane client (ARM, Resource Graph): the cloud's endpoint and token scope. */
export function armClientOptions(conn: AzureConnection, service: 'resourceGraph' | 'arm') {
  return { ...clientOptions(conn, service), endpoint: conn.cloud.armEndpoint, credentials: { scopes: [conn.cloud.armScope] } };
}

/** Counts every HTTP round trip (retries included) per service. */
function callCounter(service: AzureService, onCall: (s: AzureService) => void): PipelinePolicy {
  return {
    name: 'acrAuditorCallCounter',
    async sendRequest(req, next) {
      try {
        return await next(req);
      } finally {
        onCall(service);
      }
    },
  };
}
