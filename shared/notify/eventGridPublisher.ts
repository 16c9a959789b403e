/**
 * Event Grid adapter: publishes the planned CloudEvents (AcrAuditor.Finding.Opened / Escalated /
 * Resolved) to a custom topic with the CloudEvents schema, for SIEMs and Logic Apps. In Azure it
 * uses the managed identity (role "EventGrid Data Sender" on the topic); locally an access key.
 * CloudEvent ids are deterministic, so a consumer can drop the rare duplicate of a retried batch.
 */
import { AzureKeyCredential, EventGridPublisherClient, type SendCloudEventInput } from '@azure/eventgrid';
import type { TokenCredential } from '@azure/identity';
import { urlProblem, type SettingSpec } from '../config.js';
import type { ChannelDescriptor } from './channel.js';
import { eventGridRenderer } from './channels/eventGrid.js';
import { CLAIM_LOST, claimConfirmed, parseRetryAfter, type Notifier, type SendOptions, type SendResult } from './deliver.js';
import type { OutboxRecord } from './outbox.js';

export interface EventGridNotifierOptions {
  endpoint: string;
  credential: TokenCredential | AzureKeyCredential;
  /** Loopback testing only. */
  allowInsecureConnection?: boolean;
  /** Retries inside one attempt (the outbox retries across attempts). Default 2. */
  sdkMaxRetries?: number;
  /** Bound of one send, SDK retries included. Default 60 s. */
  requestTimeoutInMs?: number;
}

export { AzureKeyCredential };

export class EventGridNotifier implements Notifier {
  readonly channel = 'eventgrid' as const;
  readonly postTimeoutInMs: number;
  private readonly client: EventGridPublisherClient<'CloudEvent'>;
  private readonly host: string;

  constructor(options: EventGridNotifierOptions) {
    this.client = new EventGridPublisherClient(options.endpoint, 'CloudEvent', options.credential,
      { retryOptions: { maxRetries: options.sdkMaxRetries ?? 2 }, ...(options.allowInsecureConnection ? { allowInsecureConnection: true } : {}) });
    this.host = new URL(options.endpoint).host;
    this.postTimeoutInMs = options.requestTimeoutInMs ?? 60_000;
  }

  async send(n: OutboxRecord, opts: SendOptions = {}): Promise<SendResult> {
    if (n.payload?.channel !== 'eventgrid') return { ok: false, retryable: false, error: 'not an Event Grid notification' };
    const events: SendCloudEventInput<unknown>[] = n.payload.events.map((e) => ({
      id: e.id, source: e.source, type: e.type, subject: e.subject, time: new Date(e.time), datacontenttype: e.datacontenttype, data: e.data,
    }));
    if (!(await claimConfirmed(opts))) return CLAIM_LOST;
    const timeout = AbortSignal.timeout(this.postTimeoutInMs);
    try {
      await this.client.send(events, { abortSignal: opts.abortSignal ? AbortSignal.any([timeout, opts.abortSignal]) : timeout });
      return { ok: true };
    } catch (e) {
      const err = e as { statusCode?: number; response?: { headers?: { get(name: string): string | undefined } } };
      const status = err.statusCode;
      const error = `eventgrid ${this.host}: ${status ? `HTTP ${status}` : `error ${e instanceof Error ? e.name : 'unknown'}`}`;
      if (status === undefined || status === 408 || status === 429 || status >= 500) {
        const retryAfterMs = parseRetryAfter(err.response?.headers?.get('retry-after'), new Date());
        return { ok: false, retryable: true, error, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
      }
      return { ok: false, retryable: true, giveUpAfterAttempts: 3, error };
    }
  }
}

export const EVENTGRID_SETTINGS: readonly SettingSpec[] = [
  { name: 'AUDITOR_EVENTGRID_TOPIC_ENDPOINT', readBy: 'app', example: 'https://<topic>.<region>-1.eventgrid.azure.net/api/events',
    description: 'Event Grid custom topic (CloudEvents schema) receiving every opened/escalated/resolved finding; managed identity (EventGrid Data Sender).' },
];

/** Event Grid: unrouted, every alerting change to one custom topic (managed identity). */
export const eventGridChannel: ChannelDescriptor<'eventgrid', { endpoint: string }> = {
  ...eventGridRenderer,
  settings: EVENTGRID_SETTINGS,
  configured(ctx) {
    const endpoint = ctx.get('AUDITOR_EVENTGRID_TOPIC_ENDPOINT');
    if (!endpoint) return undefined;
    // Called with the managed identity: never with credentials inside.
    const problem = urlProblem('AUDITOR_EVENTGRID_TOPIC_ENDPOINT', endpoint, { allowLoopbackHttp: true });
    if (problem) ctx.problem(problem);
    return { config: { endpoint }, feed: true };
  },
  createNotifier: (config, deps) => new EventGridNotifier({ endpoint: config.endpoint, credential: deps.credential }),
};
