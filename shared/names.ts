/**
 * Names shared by the code, host.json and infra: queues, tables and functions. The infra tests
 * check that Bicep uses exactly these.
 */
export const QUEUES = {
  /** Event Grid delivers ImagePushed / ImageDeleted events here (base64, Event Grid schema). */
  imagePushed: 'image-pushed',
  /** One message per shard of a nightly run (a registry, or a subscription's workloads). */
  auditShard: 'audit-shard',
  /** Outbox wake-ups: notification ids to deliver. */
  notifications: 'notifications',
} as const;

export const TABLES = {
  findings: 'findings',
  runs: 'runs',
  notifications: 'notifications',
} as const;

export const FUNCTIONS = {
  onImagePushedEventGrid: 'onImagePushedEventGrid',
  onImagePushedQueue: 'onImagePushedQueue',
  nightlyAudit: 'nightlyAudit',
  auditShard: 'auditShard',
  deliverNotifications: 'deliverNotifications',
  retryNotifications: 'retryNotifications',
  findingsPage: 'findingsPage',
  findingsApi: 'findingsApi',
} as const;

/** HTTP routes (under the host's `api/` prefix): the findings page (AUDITOR_FINDINGS_URL defaults to it) and its JSON API. */
export const ROUTES = {
  findingsPage: 'findings/view',
  findingsApi: 'findings',
} as const;

export const poisonQueue = (name: string): string => `${name}-poison`;

/** Attempts of a queue message before the Functions host poisons it: must equal host.json extensions.queues.maxDequeueCount (a test checks it). */
export const MAX_DEQUEUE_COUNT = 5;
