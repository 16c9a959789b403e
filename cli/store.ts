/**
 * The CLI's local store: without configured storage, `audit`, `event` and `demo` keep findings in
 * Azurite with disk persistence under `.acr-auditor/` in the working directory (AUDITOR_LOCAL_STORE,
 * or `--store DIR`), so `findings`, `report`, `notifications` and the next `audit` see their history;
 * `--ephemeral` keeps an in-memory store for the run only (CI).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { AuditorConfig } from '../shared/config.js';
import { UsageError } from './common.js';
import type { LocalStore } from './runtime.js';

export const STORE_OPTIONS = { store: { type: 'string' }, ephemeral: { type: 'boolean' } } as const;

/** The store the flags choose (undefined: the settings decide). */
export function storeFlags(values: { store?: string | undefined; ephemeral?: boolean | undefined }): LocalStore | undefined {
  if (values.store !== undefined && values.ephemeral) throw new UsageError('--store and --ephemeral exclude each other');
  if (values.ephemeral) return { kind: 'ephemeral' };
  if (values.store !== undefined) {
    if (!values.store.trim()) throw new UsageError('--store needs a directory');
    return { kind: 'directory', dir: values.store };
  }
  return undefined;
}

/**
 * For commands that read what earlier runs stored (findings, report, notifications): the local store
 * when the flags name one or no storage is configured; undefined when configured storage is used.
 * A store that does not exist yet is a usage error saying how to fill it.
 */
export function readableStore(command: string, values: { store?: string | undefined; ephemeral?: boolean | undefined }, config: AuditorConfig): LocalStore | undefined {
  const flags = storeFlags(values);
  if (!flags && config.storage.kind !== 'none') return undefined;
  const local = flags ?? config.localStore;
  if (local.kind === 'ephemeral') {
    throw new UsageError(`${command}: the store is ephemeral (--ephemeral or AUDITOR_LOCAL_STORE=ephemeral), so nothing earlier runs found is kept. Use the local store (default .acr-auditor/) or set AUDITOR_STORAGE.`);
  }
  if (!existsSync(resolve(local.dir))) {
    throw new UsageError(`${command}: no local store at ${local.dir} yet: run \`acr-auditor audit\` or \`acr-auditor demo\` here first (they keep findings in ${local.dir}), pass --store DIR, or set AUDITOR_STORAGE.`);
  }
  return local;
}
