/**
 * The composition root: credential, SDK-backed inventory, Table stores and queues, built lazily from
 * the validated configuration. The Functions and the CLI both build their dependencies here.
 */
import type { Agent } from 'node:https';
import type { TokenCredential } from '@azure/core-auth';
import { DefaultAzureCredential, ManagedIdentityCredential } from '@azure/identity';
import type { QueueClient } from '@azure/storage-queue';
import { environment, loadConfig, type AuditorConfig, type StorageConfig } from './config.js';
import { TableFindingsStore } from './findings/tableFindingsStore.js';
import { createAzureSources, type AzureConnection } from './inventory/azureInventory.js';
import type { AzureSources } from './usecases/ports.js';
import { QUEUES, TABLES, poisonQueue } from './names.js';
import { RULES } from './rules/catalog.js';
import { selectRules } from './rules/selection.js';
import { TableRunStore } from './runs/tableRunStore.js';
import { queueClient, tableClient } from './storage/clients.js';
import type { Logger } from './usecases/common.js';
import { RegistryStateCache } from './usecases/registryCache.js';
import type { NightlyDeps, NotificationSink, ShardMessage, ShardQueue } from './usecases/nightly.js';
import type { PoisonQueue } from './usecases/redrivePushes.js';
import type { EventAuditDeps } from './usecases/auditRegistryEvents.js';

export interface ServiceOptions {
  env?: Record<string, string | undefined>;
  /** Settings already validated by the caller (else read from `env` and `overrides`). */
  config?: AuditorConfig;
  /** Settings that win over the environment (CLI flags, the demo). */
  overrides?: Record<string, string | undefined>;
  /** Use this storage instead of the configured one (the CLI's embedded Azurite). */
  storage?: StorageConfig;
  credential?: TokenCredential;
  agent?: Agent;
  clock?: () => Date;
  log: Logger;
  onCall?: AzureConnection['onCall'];
  notify?: NotificationSink;
  retry?: AzureConnection['retry'];
}

export interface Services {
  config: AuditorConfig;
  credential: TokenCredential;
  storage: StorageConfig;
  azure: AzureSources;
  findings: TableFindingsStore;
  runs: TableRunStore;
  shardQueue: QueueClient;
  shardPoisonQueue: QueueClient;
  /** `image-pushed-poison`: deliveries the Functions host gave up on; re-driven by the nightly run. */
  pushPoisonQueue: PoisonQueue;
  deps: NightlyDeps & EventAuditDeps;
}

/** Queue messages are base64, as the Functions queue trigger expects by default (host.json messageEncoding). */
export function encodeQueueMessage(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64');
}

export function decodeQueueMessage(text: string): unknown {
  const decoded = Buffer.from(text, 'base64').toString('utf8');
  try {
    return JSON.parse(decoded);
  } catch {
    return decoded;
  }
}

export function defaultCredential(config: AuditorConfig): TokenCredential {
  return new DefaultAzureCredential({
    authorityHost: config.cloud.authorityHost,
    ...(config.managedIdentityClientId ? { managedIdentityClientId: config.managedIdentityClientId } : {}),
  });
}

/** A managed-identity credential (IDENTITY_ENDPOINT / IDENTITY_HEADER, as the Functions host and the emulator set them). */
export function managedIdentityCredential(clientId?: string): TokenCredential {
  return clientId ? new ManagedIdentityCredential({ clientId }) : new ManagedIdentityCredential();
}

export function createServices(options: ServiceOptions): Services {
  const config = options.config ?? loadConfig(options.env ?? environment(), options.overrides ?? {});
  const storage = options.storage ?? config.storage;
  const credential = options.credential ?? defaultCredential(config);
  const azure = createAzureSources({
    credential,
    cloud: config.cloud,
    ...(options.agent ? { agent: options.agent } : {}),
    ...(options.onCall ? { onCall: options.onCall } : {}),
    ...(options.retry ? { retry: options.retry } : {}),
  });
  const findings = new TableFindingsStore(tableClient(storage, config.findingsTable, credential));
  const runs = new TableRunStore(tableClient(storage, TABLES.runs, credential));
  const shardQueue = queueClient(storage, QUEUES.auditShard, credential);
  const shardPoisonQueue = queueClient(storage, poisonQueue(QUEUES.auditShard), credential);
  let queueReady: Promise<unknown> | undefined;
  const queue: ShardQueue = {
    async send(message: ShardMessage) {
      queueReady ??= shardQueue.createIfNotExists();
      await queueReady;
      await shardQueue.sendMessage(encodeQueueMessage(message));
    },
  };
  const pushPoison = queueClient(storage, poisonQueue(QUEUES.imagePushed), credential);
  let pushPoisonReady: Promise<unknown> | undefined;
  const pushPoisonQueue: PoisonQueue = {
    async receive(count, visibilityTimeoutInSeconds) {
      pushPoisonReady ??= pushPoison.createIfNotExists();
      await pushPoisonReady;
      const got = await pushPoison.receiveMessages({ numberOfMessages: count, visibilityTimeout: visibilityTimeoutInSeconds });
      return got.receivedMessageItems.map((m) => ({ id: m.messageId, popReceipt: m.popReceipt, body: decodeQueueMessage(m.messageText), dequeueCount: m.dequeueCount }));
    },
    async delete(id, popReceipt) {
      await pushPoison.deleteMessage(id, popReceipt);
    },
  };
  const deps: NightlyDeps & EventAuditDeps = {
    azure,
    findings,
    config,
    rules: selectRules(RULES, config.ruleSelection),
    clock: options.clock ?? (() => new Date()),
    log: options.log,
    runs,
    queue,
    registryCache: new RegistryStateCache(config.registryCacheSeconds * 1000),
    pushPoison: pushPoisonQueue,
    ...(options.notify ? { notify: options.notify } : {}),
  };
  return { config, credential, storage, azure, findings, runs, shardQueue, shardPoisonQueue, pushPoisonQueue, deps };
}
