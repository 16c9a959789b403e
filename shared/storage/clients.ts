/**
 * Table and queue clients from the storage configuration: a connection string (Azurite, local use)
 * or identity-based service URIs (managed identity in Azure).
 */
import { TableClient } from '@azure/data-tables';
import type { QueueClient} from '@azure/storage-queue';
import { QueueServiceClient } from '@azure/storage-queue';
import type { TokenCredential } from '@azure/core-auth';
import type { StorageConfig } from '../config.js';

function isLoopbackHttp(cs: string): boolean {
  return /(TableEndpoint|QueueEndpoint)=http:\/\/(127\.0\.0\.1|localhost)/i.test(cs) || /UseDevelopmentStorage=true/i.test(cs);
}

export function tableClient(storage: StorageConfig, table: string, credential?: TokenCredential): TableClient {
  if (storage.kind === 'connectionString') {
    return TableClient.fromConnectionString(storage.connectionString, table, { allowInsecureConnection: isLoopbackHttp(storage.connectionString) });
  }
  if (storage.kind === 'identity') {
    if (!credential) throw new Error('identity-based storage needs a credential');
    return new TableClient(storage.tableServiceUri, table, credential);
  }
  throw new Error('no storage configured: set AUDITOR_STORAGE or AUDITOR_STORAGE__tableServiceUri/__queueServiceUri');
}

export function queueClient(storage: StorageConfig, queue: string, credential?: TokenCredential): QueueClient {
  if (storage.kind === 'connectionString') {
    return QueueServiceClient.fromConnectionString(storage.connectionString).getQueueClient(queue);
  }
  if (storage.kind === 'identity') {
    if (!credential) throw new Error('identity-based storage needs a credential');
    return new QueueServiceClient(storage.queueServiceUri, credential).getQueueClient(queue);
  }
  throw new Error('no storage configured: set AUDITOR_STORAGE or AUDITOR_STORAGE__tableServiceUri/__queueServiceUri');
}

/** Creates the table once per process on first use (idempotent; a failed attempt is retried next time). */
export function lazyEnsureTable(client: TableClient): () => Promise<void> {
  let ready: Promise<void> | undefined;
  return () => {
    ready ??= client.createTable().then(
      () => undefined,
      (e: unknown) => {
        ready = undefined;
        throw e;
      },
    );
    return ready;
  };
}
