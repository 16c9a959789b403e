/**
 * Notifications composed from configuration: the outbox sink the audits publish to (plan, then
 * insert-if-absent into the outbox: replays and re-runs enqueue nothing new), and the delivery step
 * (the queue-triggered Function, the retry timer and the CLI all call `deliver`).
 */
import type { TokenCredential } from '@azure/core-auth';
import type { FindingChange } from '../domain/finding.js';
import type { StorageConfig } from '../config.js';
import { TABLES } from '../names.js';
import { ruleById } from '../rules/catalog.js';
import { tableClient } from '../storage/clients.js';
import type { NotificationOrigin, NotificationSink } from '../usecases/nightly.js';
import type { ChannelDescriptor } from './channel.js';
import type { NotifyConfig } from './config.js';
import { deliverPending, type DeliverSummary, type Notifier } from './deliver.js';
import { TableOutbox } from './outbox.js';
import { planNotifications, type ChannelId } from './plan.js';
import { CHANNELS } from './registry.js';

export interface NotificationsOptions {
  config: NotifyConfig;
  storage: StorageConfig;
  credential: TokenCredential;
  portalUrl: string;
  clock: () => Date;
  /** Called after new notifications were enqueued (e.g. post a wake-up message to the notifications queue). */
  onEnqueued?: (ids: readonly string[]) => Promise<void>;
  log?: (line: string) => void;
  /** The channels (default: registry.ts `CHANNELS`; the same list `loadNotifyConfig` was given). */
  channels?: readonly ChannelDescriptor[];
}

export interface Notifications {
  outbox: TableOutbox;
  sink: NotificationSink;
  notifiers: Partial<Record<ChannelId, Notifier>>;
  deliver(): Promise<DeliverSummary>;
  close(): Promise<void>;
}

export function createNotifications(o: NotificationsOptions): Notifications {
  const channels = o.channels ?? CHANNELS;
  const outbox = new TableOutbox(tableClient(o.storage, TABLES.notifications, o.credential), { ...(o.log ? { log: o.log } : {}), channels });
  // One notifier per configured channel, built by its descriptor.
  const notifiers: Partial<Record<ChannelId, Notifier>> = {};
  for (const c of channels) {
    const config = o.config.channels[c.id];
    if (config !== undefined) notifiers[c.id] = c.createNotifier(config, { credential: o.credential, ...(o.log ? { log: o.log } : {}) });
  }

  const sink: NotificationSink = {
    async publish(changes: readonly FindingChange[], origin: NotificationOrigin) {
      const planned = planNotifications(
        changes,
        {
          origin,
          now: o.clock(),
          portalUrl: o.portalUrl,
          ...(o.config.findingsUrl ? { findingsUrl: o.config.findingsUrl } : {}),
          remediationFor: (id) => ruleById(id)?.remediation,
        },
        o.config.policy,
      ).filter((n) => notifiers[n.channel] !== undefined);
      if (!planned.length) return;
      const r = await outbox.enqueue(planned);
      if (r.inserted.length && o.onEnqueued) await o.onEnqueued(r.inserted);
    },
  };
  return {
    outbox,
    sink,
    notifiers,
    deliver: () => deliverPending({ outbox, notifiers, channels, ...(o.log ? { log: o.log } : {}) }, { now: o.clock(), clock: o.clock, maxAttempts: o.config.maxAttempts }),
    async close() {
      for (const n of Object.values(notifiers)) await n?.close?.();
    },
  };
}
