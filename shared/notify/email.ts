/**
 * Email adapters: `SmtpNotifier` (nodemailer; any relay, the local demo server) and
 * `AcsEmailNotifier` (Azure Communication Services Email with a TokenCredential, i.e. the managed
 * identity in Azure). Both send the stored subject / text / HTML; the recipients are those the
 * planner stored (at most 50 per message). Headers are fixed: only the Subject carries
 * (header-safe) finding text, and the SMTP URL and its credentials never appear in errors.
 */
import nodemailer, { type Transporter } from 'nodemailer';
import { EmailClient, type EmailMessage } from '@azure/communication-email';
import type { TokenCredential } from '@azure/identity';
import { CLAIM_LOST, claimConfirmed, Pacer, parseRetryAfter, type Notifier, type SendOptions, type SendResult } from './deliver.js';
import type { OutboxRecord } from './outbox.js';
import { headerSafe } from './escape.js';

export const MAX_RECIPIENTS_PER_MESSAGE = 50;

type EmailPayload = { to: string[]; subject: string; text: string; html: string };

function emailPayload(n: OutboxRecord): EmailPayload | undefined {
  const p = n.payload;
  if (p?.channel !== 'email') return undefined;
  return { to: p.to, subject: headerSafe(p.subject, 200), text: p.text, html: p.html };
}

function checkRecipients(to: string[]): string | undefined {
  if (!to.length) return 'no recipients';
  if (to.length > MAX_RECIPIENTS_PER_MESSAGE) return `${to.length} recipients; at most ${MAX_RECIPIENTS_PER_MESSAGE} per message`;
  return undefined;
}

export interface SmtpNotifierOptions {
  /** smtp:// or smtps:// URL with credentials (a secret). */
  url: string;
  from: string;
  /** Messages per minute (relays and ACS throttle; default 30). */
  messagesPerMinute?: number;
  requestTimeoutInMs?: number;
}

function isLoopback(host: string): boolean {
  return ['127.0.0.1', 'localhost', '[::1]', '::1'].includes(host);
}

/** Rejects after `ms` (the SMTP transport has per-phase timeouts only; this bounds the whole send). */
function deadline<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error('send timed out'), { code: 'ETIMEDOUT' })), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

export class SmtpNotifier implements Notifier {
  readonly channel = 'email' as const;
  readonly postTimeoutInMs: number;
  private readonly transport: Transporter;
  private readonly pacer: Pacer;
  private readonly host: string;

  constructor(private readonly options: SmtpNotifierOptions) {
    const u = new URL(options.url);
    this.host = u.hostname;
    const timeout = options.requestTimeoutInMs ?? 30_000;
    this.postTimeoutInMs = 2 * timeout;
    this.transport = nodemailer.createTransport({
      host: u.hostname,
      port: Number(u.port || (u.protocol === 'smtps:' ? 465 : 587)),
      secure: u.protocol === 'smtps:',
      // Outside loopback, plain smtp:// must upgrade with STARTTLS: credentials never travel in clear.
      requireTLS: u.protocol === 'smtp:' && !isLoopback(u.hostname),
      ...(u.username ? { auth: { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } } : {}),
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
      logger: false,
    });
    this.pacer = new Pacer(Math.ceil(60_000 / Math.max(1, options.messagesPerMinute ?? 30)));
  }

  async send(n: OutboxRecord, opts: SendOptions = {}): Promise<SendResult> {
    const p = emailPayload(n);
    if (!p) return { ok: false, retryable: false, error: 'not an email notification (payload missing or of another channel)' };
    const bad = checkRecipients(p.to);
    if (bad) return { ok: false, retryable: false, error: bad };
    return this.pacer.run(async () => {
      if (!(await claimConfirmed(opts))) return CLAIM_LOST;
      try {
        await deadline(this.transport.sendMail({
          from: this.options.from,
          to: p.to,
          subject: p.subject,
          text: p.text,
          html: p.html,
          // Deterministic: a receiver (or a human) can see that two copies are the same notification.
          messageId: `<${n.id}@acr-auditor.invalid>`,
          headers: { 'X-ACR-Auditor-Notification': n.id },
          disableFileAccess: true,
          disableUrlAccess: true,
        }), this.postTimeoutInMs);
        return { ok: true };
      } catch (e) {
        const err = e as { responseCode?: number; code?: string; command?: string };
        const what = err.responseCode ? `SMTP ${err.responseCode}${err.command ? ` after ${err.command}` : ''}` : `SMTP error ${err.code ?? 'unknown'}`;
        const error = `smtp ${this.host}: ${what}`;
        // 5xx replies are permanent (bad recipient, rejected sender): a few tries, then failed.
        if (err.responseCode && err.responseCode >= 500) return { ok: false, retryable: true, giveUpAfterAttempts: 3, error };
        return { ok: false, retryable: true, error };
      }
    });
  }

  close(): void {
    this.transport.close();
  }
}

export interface AcsEmailNotifierOptions {
  endpoint: string;
  credential: TokenCredential;
  from: string;
  /** Default 30 per minute (the custom-domain default quota). */
  messagesPerMinute?: number;
  /** Pass `allowInsecureConnection`/`httpClient`/retry options to the client (tests, sovereign clouds). */
  clientOptions?: ConstructorParameters<typeof EmailClient>[2];
  pollIntervalInMs?: number;
  /** Bound of one send (beginSend + pollUntilDone). Default 120 s. */
  requestTimeoutInMs?: number;
}

/** ACS requires a GUID-shaped operation id; derive it from the notification id so a retry reuses it. */
export function operationIdFor(id: string): string {
  const h = id.padEnd(32, '0').slice(0, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export class AcsEmailNotifier implements Notifier {
  readonly channel = 'email' as const;
  readonly postTimeoutInMs: number;
  private readonly client: EmailClient;
  private readonly pacer: Pacer;

  constructor(private readonly options: AcsEmailNotifierOptions) {
    this.client = new EmailClient(options.endpoint, options.credential, options.clientOptions);
    this.pacer = new Pacer(Math.ceil(60_000 / Math.max(1, options.messagesPerMinute ?? 30)));
    this.postTimeoutInMs = options.requestTimeoutInMs ?? 120_000;
  }

  async send(n: OutboxRecord, opts: SendOptions = {}): Promise<SendResult> {
    const p = emailPayload(n);
    if (!p) return { ok: false, retryable: false, error: 'not an email notification (payload missing or of another channel)' };
    const bad = checkRecipients(p.to);
    if (bad) return { ok: false, retryable: false, error: bad };
    const host = new URL(this.options.endpoint).host;
    const message: EmailMessage = {
      senderAddress: this.options.from,
      content: { subject: p.subject, plainText: p.text, html: p.html },
      recipients: { to: p.to.map((address) => ({ address })) },
      headers: { 'X-ACR-Auditor-Notification': n.id },
    };
    return this.pacer.run(async () => {
      if (!(await claimConfirmed(opts))) return CLAIM_LOST;
      const timeout = AbortSignal.timeout(this.postTimeoutInMs);
      const abortSignal = opts.abortSignal ? AbortSignal.any([timeout, opts.abortSignal]) : timeout;
      try {
        const poller = await this.client.beginSend(message, {
          operationId: operationIdFor(n.id),
          ...(this.options.pollIntervalInMs ? { updateIntervalInMs: this.options.pollIntervalInMs } : {}),
          abortSignal,
        });
        const result = await poller.pollUntilDone({ abortSignal });
        if (result.status === 'Succeeded') return { ok: true };
        return { ok: false, retryable: true, error: `acs ${host}: send ${result.status}${result.error?.code ? ` (${result.error.code})` : ''}` };
      } catch (e) {
        const err = e as { statusCode?: number; code?: string; response?: { headers?: { get(name: string): string | undefined } } };
        const status = err.statusCode;
        const error = `acs ${host}: ${status ? `HTTP ${status}` : `error ${err.code ?? (e instanceof Error ? e.name : 'unknown')}`}`;
        if (status === 429 || status === 408 || (status !== undefined && status >= 500) || status === undefined) {
          const retryAfterMs = parseRetryAfter(err.response?.headers?.get('retry-after'), new Date());
          return { ok: false, retryable: true, error, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
        }
        return { ok: false, retryable: true, giveUpAfterAttempts: 3, error };
      }
    });
  }
}
