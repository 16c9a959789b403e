/**
 * Local stand-ins for the notification channels, used by the demo and the tests: a Teams
 * Workflows webhook receiver (a real HTTP server on 127.0.0.1) and an SMTP server (`smtp-server`
 * on 127.0.0.1). Both keep what they accept in memory and, when `outputDir` is given, write it to
 * `<outputDir>/teams/card-NNN.json` and `<outputDir>/email/message-NNN.eml`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface TeamsReply {
  status: number;
  headers?: Record<string, string>;
  /** Wait this long before answering (to exercise client timeouts). */
  delayInMs?: number;
  /** Hold the answer until this settles: a test drives a slow webhook without timers. */
  release?: Promise<unknown>;
  body?: string;
}

export interface ReceivedCard {
  /** The whole posted message ({type:'message', attachments:[...]}). */
  message: unknown;
  /** The first attachment's Adaptive Card. */
  card: unknown;
  file?: string;
}

export interface LocalTeamsReceiver {
  /** Webhook URL including a random secret-like path and `sig` query (as real Workflows URLs have). */
  url: string;
  /** Requests received, whatever the answer. */
  readonly requests: number;
  /** Cards accepted (answered 2xx), in order. */
  readonly delivered: ReceivedCard[];
  /** Changes how the next requests are answered (`undefined`: 202 Accepted). */
  respondWith(fn: ((requestNumber: number) => TeamsReply | undefined) | undefined): void;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new Error('body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Starts a Teams Workflows webhook stand-in on 127.0.0.1 (random port). */
export async function startLocalTeamsReceiver(options: { outputDir?: string; respond?: (requestNumber: number) => TeamsReply | undefined } = {}): Promise<LocalTeamsReceiver> {
  const secret = randomBytes(16).toString('hex');
  const path = `/workflows/${secret}/triggers/manual/paths/invoke`;
  let respond = options.respond;
  let requests = 0;
  const delivered: ReceivedCard[] = [];
  const dir = options.outputDir ? join(options.outputDir, 'teams') : undefined;
  if (dir) mkdirSync(dir, { recursive: true });
  const pending = new Set<ServerResponse>();

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (req.method !== 'POST' || url.pathname !== path || url.searchParams.get('sig') !== secret) {
        res.writeHead(404).end();
        return;
      }
      requests++;
      const reply = respond?.(requests) ?? { status: 202 };
      let body: string;
      try {
        body = await readBody(req, 1024 * 1024);
      } catch {
        res.writeHead(413).end();
        return;
      }
      if (reply.delayInMs || reply.release) {
        pending.add(res);
        if (reply.delayInMs) await new Promise((r) => setTimeout(r, reply.delayInMs));
        if (reply.release) await reply.release.catch(() => undefined);
        pending.delete(res);
        if (res.destroyed) return;
      }
      if (reply.status >= 200 && reply.status < 300) {
        let message: unknown;
        try {
          message = JSON.parse(body);
        } catch {
          res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"invalid JSON"}');
          return;
        }
        const m = message as { type?: unknown; attachments?: Array<{ contentType?: unknown; content?: unknown }> };
        const att = m?.attachments?.[0];
        if (m?.type !== 'message' || att?.contentType !== 'application/vnd.microsoft.card.adaptive') {
          res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"expected a message with an Adaptive Card attachment"}');
          return;
        }
        const rec: ReceivedCard = { message, card: att.content };
        if (dir) {
          rec.file = join(dir, `card-${String(delivered.length + 1).padStart(3, '0')}.json`);
          writeFileSync(rec.file, `${JSON.stringify(att.content, null, 2)}\n`);
        }
        delivered.push(rec);
      }
      res.writeHead(reply.status, { 'content-type': 'text/plain', ...reply.headers }).end(reply.body ?? '');
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}?api-version=1&sig=${secret}`,
    get requests() {
      return requests;
    },
    delivered,
    respondWith(fn) {
      respond = fn;
    },
    async close() {
      for (const r of pending) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface ReceivedMail {
  from: string;
  to: string[];
  /** The raw RFC 5322 message as received. */
  raw: string;
  file?: string;
}

export interface LocalSmtpServer {
  /** smtp://user:password@127.0.0.1:port (no TLS: loopback only). */
  url: string;
  readonly messages: ReceivedMail[];
  close(): Promise<void>;
}

/** Starts an SMTP server on 127.0.0.1 (random port) requiring the generated credentials. */
export async function startLocalSmtpServer(options: { outputDir?: string; user?: string; password?: string } = {}): Promise<LocalSmtpServer> {
  const user = options.user ?? 'auditor';
  const password = options.password ?? randomBytes(12).toString('hex');
  const messages: ReceivedMail[] = [];
  const dir = options.outputDir ? join(options.outputDir, 'email') : undefined;
  if (dir) mkdirSync(dir, { recursive: true });
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    size: 10 * 1024 * 1024,
    logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username === user && auth.password === password) cb(null, { user });
      else cb(new Error('invalid credentials'));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const mail: ReceivedMail = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        };
        if (dir) {
          mail.file = join(dir, `message-${String(messages.length + 1).padStart(3, '0')}.eml`);
          writeFileSync(mail.file, mail.raw);
        }
        messages.push(mail);
        cb();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = (server as unknown as { server: { address(): AddressInfo } }).server.address();
  return {
    url: `smtp://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}`,
    messages,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
