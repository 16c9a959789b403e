/**
 * Embedded Azurite (tables and queues) with in-memory persistence on loopback, random ports. Used by
 * the CLI when no storage is configured, by the demo, the tests and the benchmarks.
 */
import { createRequire } from 'node:module';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Azurite's public, well-known development account key (not a secret). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface RunningAzurite {
  connectionString: string;
  tableEndpoint: string;
  queueEndpoint: string;
  close(): Promise<void>;
}

interface AzuriteServer {
  start(): Promise<void>;
  close(): Promise<void>;
  clean(): Promise<void>;
  getHttpServerAddress(): string;
}

const require = createRequire(import.meta.url);

/**
 * Starts table and queue servers on 127.0.0.1 with random ports. In memory by default (`close()` stops
 * them and removes temp files); with `dir`, Azurite's disk persistence (LokiJS files and queue extents)
 * in that directory, kept across runs, one process at a time (a lock file names the holder).
 */
export async function startAzurite(options: { dir?: string } = {}): Promise<RunningAzurite> {
  // Azurite's root module is a VS Code extension: load the servers directly (CommonJS). It is a
  // development dependency (the Function App never embeds it): say so when it is missing.
  try {
    require.resolve('azurite/dist/src/table/TableServer');
  } catch {
    throw new Error('embedded storage needs the azurite package (npm install --save-dev azurite), or configure storage with AUDITOR_STORAGE');
  }
  const TableServer = require('azurite/dist/src/table/TableServer').default as new (c: unknown) => AzuriteServer;
  const TableConfiguration = require('azurite/dist/src/table/TableConfiguration').default as new (...a: unknown[]) => unknown;
  const QueueServer = require('azurite/dist/src/queue/QueueServer').default as new (c: unknown) => AzuriteServer;
  const QueueConfiguration = require('azurite/dist/src/queue/QueueConfiguration').default as new (...a: unknown[]) => unknown;

  // In-memory persistence still wants paths; give it a private temp folder and remove it on close.
  const persistent = options.dir !== undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'acr-auditor-azurite-'));
  const unlock = persistent ? lockStore(dir) : () => undefined;
  const tableConfig = new TableConfiguration(
    '127.0.0.1', 0, undefined, join(dir, '__azurite_db_table__.json'),
    false, false, undefined, undefined, true /* loose */, true /* skipApiVersionCheck */,
    '', '', '', undefined, false, !persistent /* in memory */,
  );
  const queueConfig = new QueueConfiguration(
    '127.0.0.1', 0, undefined, join(dir, '__azurite_db_queue__.json'), join(dir, '__azurite_db_queue_extent__.json'),
    [{ locationId: 'Default', locationPath: join(dir, 'queuestorage'), maxConcurrency: 1 }],
    false, undefined, false, undefined, true, true, '', '', '', undefined, false, !persistent,
  );
  const table = new TableServer(tableConfig);
  const queue = new QueueServer(queueConfig);
  try {
    await Promise.all([table.start(), queue.start()]);
  } catch (e) {
    unlock();
    throw e;
  }
  const tableEndpoint = `${table.getHttpServerAddress()}/${AZURITE_ACCOUNT}`;
  const queueEndpoint = `${queue.getHttpServerAddress()}/${AZURITE_ACCOUNT}`;
  const connectionString = [
    'DefaultEndpointsProtocol=http',
    `AccountName=${AZURITE_ACCOUNT}`,
    `AccountKey=${AZURITE_KEY}`,
    `TableEndpoint=${tableEndpoint};`,
    `QueueEndpoint=${queueEndpoint};`,
  ].join(';').replace(/;;/g, ';');
  let closed = false;
  return {
    connectionString,
    tableEndpoint,
    queueEndpoint,
    async close() {
      if (closed) return;
      closed = true;
      // Closing saves the LokiJS databases; only the in-memory store is cleaned and removed.
      await Promise.allSettled([table.close(), queue.close()]);
      if (persistent) {
        unlock();
        return;
      }
      await Promise.allSettled([table.clean(), queue.clean()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Another process holds the local store. */
export class StoreLockedError extends Error {
  constructor(readonly dir: string, readonly pid: number) {
    super(`the local store ${dir} is in use by process ${pid} (another acr-auditor run); wait for it to finish, or use --store DIR or --ephemeral`);
    this.name = 'StoreLockedError';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes `<dir>/lock` (exclusive create) or throws StoreLockedError; a lock left by a dead process is taken over. */
function lockStore(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      return () => rmSync(file, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) throw new StoreLockedError(dir, pid);
      if (pid === process.pid) throw new StoreLockedError(dir, pid);
      rmSync(file, { force: true }); // stale: its process is gone
    }
  }
  throw new StoreLockedError(dir, -1);
}
