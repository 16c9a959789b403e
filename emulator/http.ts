/** Small HTTP helpers shared by the emulator's services. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';

export type Headers = Record<string, string | number | string[]>;

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Headers = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  send(res, status, text, { 'content-type': 'application/json; charset=utf-8', ...headers });
}

export function send(res: ServerResponse, status: number, body: string | Buffer, headers: Headers = {}): void {
  if (res.headersSent || res.destroyed) return;
  const buf = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(status, { 'content-length': buf.length, 'x-ms-request-id': randomUUID(), ...headers });
  res.end(res.req.method === 'HEAD' ? undefined : buf);
}

/** ARM-style error body `{ error: { code, message } }`. */
export function armError(res: ServerResponse, status: number, code: string, message: string, headers: Headers = {}, details?: unknown[]): void {
  sendJson(res, status, { error: { code, message, ...(details ? { details } : {}) } }, headers);
}

export async function readBody(req: IncomingMessage, limit = 4 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new Error('request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function parseJsonBody(buf: Buffer): unknown {
  if (buf.length === 0) return undefined;
  return JSON.parse(buf.toString('utf8'));
}

export function parseForm(buf: Buffer): URLSearchParams {
  return new URLSearchParams(buf.toString('utf8'));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref?.());
}

/** Fixed-window quota (Resource Graph: `requests` per `perSeconds`). */
export class WindowQuota {
  private windowStart = 0;
  private used = 0;
  constructor(private readonly requests: number, private readonly perSeconds: number) {}
  take(nowMs = Date.now()): { ok: boolean; remaining: number; resetsAfterMs: number } {
    const windowMs = this.perSeconds * 1000;
    if (nowMs - this.windowStart >= windowMs) { this.windowStart = nowMs; this.used = 0; }
    const resetsAfterMs = this.windowStart + windowMs - nowMs;
    if (this.used >= this.requests) return { ok: false, remaining: 0, resetsAfterMs };
    this.used++;
    return { ok: true, remaining: this.requests - this.used, resetsAfterMs };
  }
}

/** Token bucket (ARM reads: burst + refill per second; registry reads: N per minute). */
export class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(private readonly capacity: number, private readonly refillPerSecond: number, nowMs = Date.now()) {
    this.tokens = capacity;
    this.last = nowMs;
  }
  take(nowMs = Date.now()): { ok: boolean; remaining: number; retryAfterMs: number } {
    this.tokens = Math.min(this.capacity, this.tokens + ((nowMs - this.last) / 1000) * this.refillPerSecond);
    this.last = nowMs;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { ok: true, remaining: Math.floor(this.tokens), retryAfterMs: 0 };
    }
    return { ok: false, remaining: 0, retryAfterMs: ((1 - this.tokens) / this.refillPerSecond) * 1000 };
  }
}

/** `hh:mm:ss` as in `x-ms-user-quota-resets-after`. */
export function hms(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${p(Math.floor(s / 3600))}:${p(Math.floor((s % 3600) / 60))}:${p(s % 60)}`;
}
