/**
 * Teams adapter: posts the stored Adaptive Card message to a Workflows webhook ("When a Teams
 * webhook request is received"). The webhook URL is a secret: it is looked up per route at send
 * time, never stored in the outbox, never logged (errors name the host only).
 */
import type { SettingSpec } from '../config.js';
import type { ChannelDescriptor } from './channel.js';
import { teamsRenderer } from './channels/teams.js';
import { CLAIM_LOST, claimConfirmed, Pacer, parseRetryAfter, type Notifier, type SendOptions, type SendResult } from './deliver.js';
import type { OutboxRecord } from './outbox.js';

export interface TeamsNotifierOptions {
  /** Route name -> webhook URL. */
  webhooks: Record<string, string>;
  requestTimeoutInMs?: number;
  /** Minimum spacing between posts to one webhook (Workflows/Teams throttle bursts). Default 1,000 ms. */
  minIntervalInMs?: number;
  /** 4xx answers (other than 408/429) are retried this many attempts in total, then the notification fails. Default 3. */
  clientErrorAttempts?: number;
}

/** The host of a URL, for messages: never the path or query (which carry the signature). */
export function redactedHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(invalid url)';
  }
}

/** Removes anything URL-like from a response snippet, so an echoing server cannot leak the secret into logs. */
function snippet(body: string): string {
  return body.replace(/[a-z]+:\/\/\S+/gi, '<url>').replace(/sig=[^&\s"]+/gi, 'sig=<redacted>').replace(/\s+/g, ' ').slice(0, 200);
}

export class TeamsNotifier implements Notifier {
  readonly channel = 'teams' as const;
  readonly postTimeoutInMs: number;
  private readonly pacers = new Map<string, Pacer>();

  constructor(private readonly options: TeamsNotifierOptions) {
    this.postTimeoutInMs = options.requestTimeoutInMs ?? 10_000;
  }

  async send(n: OutboxRecord, opts: SendOptions = {}): Promise<SendResult> {
    if (n.payload?.channel !== 'teams') return { ok: false, retryable: false, error: 'not a Teams notification (payload missing or of another channel)' };
    const url = this.options.webhooks[n.route];
    if (!url) return { ok: false, retryable: true, giveUpAfterAttempts: 3, error: `no Teams webhook configured for route ${n.route}` };
    const host = redactedHost(url);
    let pacer = this.pacers.get(url);
    if (!pacer) this.pacers.set(url, (pacer = new Pacer(this.options.minIntervalInMs ?? 1_000)));
    const body = JSON.stringify(n.payload.message);
    return pacer.run(async () => {
      // After the pacing wait, right before posting: is the row still ours? (renews the lease)
      if (!(await claimConfirmed(opts))) return CLAIM_LOST;
      const timeout = AbortSignal.timeout(this.postTimeoutInMs);
      const signal = opts.abortSignal ? AbortSignal.any([timeout, opts.abortSignal]) : timeout;
      let res: Response;
      try {
        res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal, redirect: 'error' });
      } catch (e) {
        const name = e instanceof Error ? e.name : '';
        const why = name === 'TimeoutError' ? `timed out after ${this.options.requestTimeoutInMs ?? 10_000} ms`
          : name === 'AbortError' ? 'aborted'
          : `network error (${(e as { cause?: { code?: string } })?.cause?.code ?? name ?? 'unknown'})`;
        return { ok: false, retryable: true, error: `teams webhook ${host}: ${why}` };
      }
      const text = await res.text().catch(() => '');
      if (res.ok) return { ok: true };
      const error = `teams webhook ${host}: HTTP ${res.status}${text ? ` ${snippet(text)}` : ''}`;
      if (res.status === 429 || res.status === 408 || res.status >= 500) {
        const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), new Date());
        return { ok: false, retryable: true, error, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
      }
      // Other 4xx: a bad or revoked webhook, or a card Teams rejects. Retry a few times (a flow may be
      // re-enabled), then fail visibly.
      return { ok: false, retryable: true, giveUpAfterAttempts: this.options.clientErrorAttempts ?? 3, error };
    });
  }
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);
const SETTING_NAME = /^[A-Z][A-Z0-9_]{2,127}$/;

/** Validates a webhook URL without ever echoing it: https, or http on loopback. */
export function checkWebhookUrl(name: string, raw: string, problems: string[]): string | undefined {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    problems.push(`${name}: not a URL (value not shown)`);
    return undefined;
  }
  if (u.protocol === 'https:' || (u.protocol === 'http:' && LOOPBACK.has(u.hostname))) {
    if (u.username || u.password) {
      problems.push(`${name}: must not contain credentials (value not shown)`);
      return undefined;
    }
    return raw;
  }
  problems.push(`${name}: must be an https URL (http only on loopback); got scheme ${u.protocol.replace(':', '')} (value not shown)`);
  return undefined;
}

export const TEAMS_SETTINGS: readonly SettingSpec[] = [
  { name: 'AUDITOR_TEAMS_WEBHOOK_URL', readBy: 'app', secret: true, example: '@Microsoft.KeyVault(SecretUri=https://<vault>.vault.azure.net/secrets/teams-webhook)',
    description: 'Teams Workflows webhook ("When a Teams webhook request is received") of the default route. https only (http only on loopback). A secret: keep it in Key Vault.' },
];

/** Teams: a Workflows webhook per route (default: AUDITOR_TEAMS_WEBHOOK_URL; a route: the setting its `teamsWebhookSetting` names). */
export const teamsChannel: ChannelDescriptor<'teams', { webhooks: Record<string, string> }> = {
  ...teamsRenderer,
  settings: TEAMS_SETTINGS,
  routeFields: ['teamsWebhookSetting'],
  configured(ctx) {
    const problems: string[] = [];
    const webhooks: Record<string, string> = {};
    const defaultRaw = ctx.get('AUDITOR_TEAMS_WEBHOOK_URL');
    if (defaultRaw) {
      const u = checkWebhookUrl('AUDITOR_TEAMS_WEBHOOK_URL', defaultRaw, problems);
      if (u) webhooks.default = u;
    }
    for (const { name, at, raw } of ctx.routes) {
      const setting = raw.teamsWebhookSetting;
      if (setting === undefined) continue;
      if (typeof setting !== 'string' || !SETTING_NAME.test(setting)) {
        problems.push(`${at}.teamsWebhookSetting: expected the NAME of a setting (e.g. AUDITOR_TEAMS_WEBHOOK_URL_PLATFORM), not a URL`);
        continue;
      }
      const value = ctx.lookup(setting);
      if (!value) problems.push(`${at}.teamsWebhookSetting: setting ${setting} is not set`);
      else {
        const u = checkWebhookUrl(setting, value, problems);
        if (u) webhooks[name] = u;
      }
    }
    problems.forEach((p) => ctx.problem(p));
    const routes = Object.keys(webhooks);
    return routes.length ? { config: { webhooks }, targets: Object.fromEntries(routes.map((r) => [r, true as const])) } : undefined;
  },
  createNotifier: (config) => new TeamsNotifier({ webhooks: config.webhooks }),
};
