/**
 * Table and queue clients from the storage configuration: a connection string (Azurite, local use)
 * or identity-based service URIs (managed identity in Azure).
 */
import { TableClient } from '@azure/data-tables';
import type { QueueClient} from '@azure/storage-queue';
import { QueueServiceClient } from '@azure/storage-queue';
import type { TokenCredential } from '@azure/core-auth';
import { isRestError } from '@azure/core-rest-pipeline';
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

/** The table and queue service URLs a storage configuration talks to (no query string, no trailing slash). */
export function storageServiceUrls(storage: StorageConfig): string[] {
  if (storage.kind === 'identity') return [storage.tableServiceUri, storage.queueServiceUri].filter(Boolean);
  if (storage.kind !== 'connectionString') return [];
  const parts = new Map<string, string>();
  for (const element of storage.connectionString.split(';')) {
    const i = element.indexOf('=');
    if (i > 0) parts.set(element.slice(0, i).trim().toLowerCase(), element.slice(i + 1).trim());
  }
  if (/usedevelopmentstorage=true/i.test(storage.connectionString)) return ['http://127.0.0.1:10002/devstoreaccount1', 'http://127.0.0.1:10001/devstoreaccount1'];
  const out = [parts.get('tableendpoint'), parts.get('queueendpoint')].filter((u): u is string => Boolean(u));
  const account = parts.get('accountname');
  const suffix = parts.get('endpointsuffix');
  const protocol = parts.get('defaultendpointsprotocol') ?? 'https';
  if (account && suffix) out.push(`${protocol}://${account}.table.${suffix}`, `${protocol}://${account}.queue.${suffix}`);
  return out.map((u) => u.replace(/[?#].*$/, '').replace(/\/+$/, ''));
}

/** The storage service's error code: the SDK's `code`, the `x-ms-error-code` header, or the XML body's <Code>. */
function storageErrorCode(e: { code?: string; details?: unknown; message: string; response?: { headers: { get(name: string): string | undefined } } }): string | undefined {
  const details = e.details as { errorCode?: unknown } | undefined;
  const code = e.code ?? (typeof details?.errorCode === 'string' ? details.errorCode : undefined) ?? e.response?.headers.get('x-ms-error-code') ?? /<Code>([^<]{1,100})<\/Code>/.exec(e.message)?.[1];
  return code && /^[A-Za-z0-9_.-]{1,100}$/.test(code) ? code : undefined;
}

const STORAGE_HINTS: Record<string, string> = {
  AuthorizationFailure: 'check the SAS: signature, services (table and queue), resource types (service, container, object), permissions and expiry',
  AuthenticationFailed: 'check the account key or the SAS signature and expiry',
  AuthorizationPermissionMismatch: 'the SAS or identity lacks a permission (read, add, create, write, delete, list, update, process)',
  AuthorizationResourceTypeMismatch: 'the SAS lacks a resource type: it needs service, container and object (srt=sco)',
  AuthorizationServiceMismatch: 'the SAS lacks a service: it needs table and queue (ss=qt)',
  AuthorizationSourceIPMismatch: 'the SAS does not allow this IP address',
  AuthorizationProtocolMismatch: 'the SAS does not allow this protocol',
};

/**
 * A clear one-line message for an error of the configured storage (AUDITOR_STORAGE): the status and the
 * service's error code, with a hint; never the service's XML body and never the request URL (it holds the
 * SAS). `undefined` when the error is not a REST error from that storage.
 */
export function describeStorageError(e: unknown, storage: StorageConfig): { message: string; status?: number } | undefined {
  if (!isRestError(e)) return undefined;
  const url = e.request?.url;
  if (!url) return undefined;
  const bare = url.replace(/[?#].*$/, '').toLowerCase();
  if (!storageServiceUrls(storage).some((u) => bare.startsWith(u.toLowerCase()))) return undefined;
  const setting = storage.kind === 'identity' ? 'AUDITOR_STORAGE__tableServiceUri/__queueServiceUri' : 'AUDITOR_STORAGE';
  const code = storageErrorCode(e);
  if (e.statusCode === undefined) {
    return { message: `${setting}: the storage account could not be reached${code ? ` (${code})` : ''}: check the endpoints and the network` };
  }
  const hint = (code && STORAGE_HINTS[code]) ?? (e.statusCode === 404 ? 'check the account name and endpoints' : e.statusCode === 403 && storage.kind === 'identity' ? 'the identity needs the Storage Table Data Contributor and Storage Queue Data Contributor roles' : '');
  return { status: e.statusCode, message: `${setting}: the storage account refused the request: ${e.statusCode}${code ? ` ${code}` : ''}${hint ? ` (${hint})` : ''}` };
}
