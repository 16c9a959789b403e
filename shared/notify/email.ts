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
import { looksLike, showValue, urlProblem, type SettingSpec } from '../config.js';
import type { ChannelDescriptor } from './channel.js';
import { emailRenderer, MAX_RECIPIENTS_PER_MESSAGE } from './channels/email.js';
import { CLAIM_LOST, claimConfirmed, Pacer, parseRetryAfter, type Notifier, type SendOptions, type SendResult } from './deliver.js';
import type { OutboxRecord } from './outbox.js';
import { headerSafe } from './escape.js';

export { MAX_RECIPIENTS_PER_MESSAGE };

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

export const EMAIL_SETTINGS: readonly SettingSpec[] = [
  { name: 'AUDITOR_SMTP_URL', readBy: 'app', secret: true, example: '@Microsoft.KeyVault(VaultName=<vault>;SecretName=smtp-url)',
    description: 'SMTP relay for email where Azure Communication Services is not used: smtp:// (STARTTLS required unless loopback) or smtps://, credentials inside (smtps://user:password@smtp.example.com:465). A secret: in Azure a Key Vault reference (infra parameter notifySmtp).' },
  { name: 'AUDITOR_ACS_ENDPOINT', readBy: 'app', example: 'https://<resource>.communication.azure.com',
    description: 'Azure Communication Services endpoint for email, used with the managed identity (takes precedence over SMTP).' },
  { name: 'AUDITOR_EMAIL_FROM', readBy: 'app', example: 'DoNotReply@<domain>', description: 'Sender address (for ACS: a verified MailFrom address of the connected domain).' },
  { name: 'AUDITOR_EMAIL_TO', readBy: 'app', default: '', example: 'secops@contoso.com,platform@contoso.com',
    description: 'Comma-separated recipients of the default route (at most 50).' },
];

export type EmailConfig = { kind: 'acs'; endpoint: string; from: string } | { kind: 'smtp'; url: string; from: string };

/** An address: no scheme, no credentials, a host name after the @ (a URL with user:password@ is not an address). */
const EMAIL = /^[^\s@<>",;:/\\]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$/;

/** An address as it may appear in a message: quoted when it is plainly an address-like string, else described. */
function showEmail(raw: string): string {
  const plain = raw.length <= 100 && /^[A-Za-z0-9._%+-]*@?[A-Za-z0-9.-]*$/.test(raw) && !/[A-Za-z0-9+_]{24,}/.test(raw);
  return plain ? JSON.stringify(raw) : showValue(raw);
}

function emails(name: string, list: unknown, problems: string[]): string[] {
  const raw = Array.isArray(list) ? list : typeof list === 'string' ? list.split(',') : [];
  if (!Array.isArray(list) && typeof list !== 'string' && list !== undefined) problems.push(`${name}: expected a list of email addresses`);
  const out = raw.map((x) => (typeof x === 'string' ? x.trim() : '')).filter(Boolean);
  for (const e of out) if (!EMAIL.test(e)) problems.push(`${name}: ${showEmail(e)} is not an email address`);
  if (out.length > MAX_RECIPIENTS_PER_MESSAGE) problems.push(`${name}: ${out.length} recipients; at most ${MAX_RECIPIENTS_PER_MESSAGE}`);
  return [...new Set(out.map((e) => e.toLowerCase()))];
}

function checkSmtpUrl(raw: string, problems: string[]): string | undefined {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    problems.push('AUDITOR_SMTP_URL: not a URL (value not shown)');
    return undefined;
  }
  if (u.protocol !== 'smtp:' && u.protocol !== 'smtps:') {
    problems.push(`AUDITOR_SMTP_URL: must be smtp:// or smtps://; got scheme ${u.protocol.replace(':', '')} (value not shown)`);
    return undefined;
  }
  if (!u.hostname) {
    problems.push('AUDITOR_SMTP_URL: no host (value not shown)');
    return undefined;
  }
  return raw;
}

/** Email: ACS (managed identity) or SMTP; recipients per route (default: AUDITOR_EMAIL_TO; a route: `emailTo`). */
export const emailChannel: ChannelDescriptor<'email', EmailConfig> = {
  ...emailRenderer,
  settings: EMAIL_SETTINGS,
  routeFields: ['emailTo'],
  configured(ctx) {
    const problems: string[] = [];
    const from = ctx.get('AUDITOR_EMAIL_FROM');
    if (from && !EMAIL.test(from)) problems.push(`AUDITOR_EMAIL_FROM: ${showEmail(from)} is not an email address`);
    const defaultTo = emails('AUDITOR_EMAIL_TO', ctx.get('AUDITOR_EMAIL_TO') ?? '', problems);
    let config: EmailConfig | undefined;
    const acs = ctx.get('AUDITOR_ACS_ENDPOINT');
    const smtp = ctx.get('AUDITOR_SMTP_URL');
    if (acs) {
      if (looksLike(acs) === 'it looks like a connection string') {
        // The likely mistake: the resource's connection string (endpoint=...;accesskey=...) pasted whole.
        problems.push('AUDITOR_ACS_ENDPOINT: this is a connection string (endpoint and access key), not an endpoint: set only the endpoint URL, https://<resource>.communication.azure.com; email uses the managed identity, so the access key is not needed and must not be stored in settings (value not shown)');
      } else {
        const problem = urlProblem('AUDITOR_ACS_ENDPOINT', acs);
        if (problem) problems.push(problem);
        else if (/[?&]sig=/i.test(acs)) problems.push('AUDITOR_ACS_ENDPOINT: must not carry a signature (sig=); email uses the managed identity (value not shown)');
      }
      if (from) config = { kind: 'acs', endpoint: acs.replace(/\/+$/, ''), from };
    } else if (smtp) {
      const u = checkSmtpUrl(smtp, problems);
      if (u && from) config = { kind: 'smtp', url: u, from };
    }
    if ((acs || smtp) && !from) problems.push('AUDITOR_EMAIL_FROM: required when email is configured (AUDITOR_ACS_ENDPOINT or AUDITOR_SMTP_URL)');
    const targets: Record<string, string[]> = {};
    for (const { name, at, raw } of ctx.routes) {
      const to = raw.emailTo === undefined ? [] : emails(`${at}.emailTo`, raw.emailTo, problems);
      if (to.length && !acs && !smtp) problems.push(`${at}.emailTo: no email transport configured (AUDITOR_ACS_ENDPOINT or AUDITOR_SMTP_URL)`);
      if (to.length) targets[name] = to;
    }
    if (defaultTo.length) targets.default = defaultTo;
    if (defaultTo.length && !acs && !smtp) problems.push('AUDITOR_EMAIL_TO: no email transport configured (AUDITOR_ACS_ENDPOINT or AUDITOR_SMTP_URL)');
    problems.forEach((p) => ctx.problem(p));
    return config ? { config, targets } : undefined;
  },
  createNotifier: (config, deps) => (config.kind === 'smtp'
    ? new SmtpNotifier({ url: config.url, from: config.from })
    : new AcsEmailNotifier({ endpoint: config.endpoint, credential: deps.credential, from: config.from })),
};
