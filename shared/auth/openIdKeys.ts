/**
 * Adapter: the signing keys of a Microsoft Entra tenant, from its OpenID Connect discovery document
 * (`{authority}/{tenant}/v2.0/.well-known/openid-configuration`, whose `jwks_uri` lists the keys).
 * Cached for a day; an unknown key id refreshes the keys (keys roll over), at most every 5 minutes.
 */
import https, { type Agent } from 'node:https';
import type { KeyObject } from 'node:crypto';
import { rsaKeyFromJwk, type SigningKeys } from './readerAccess.js';

const DAY_MS = 24 * 3600_000;
const REFRESH_MIN_MS = 5 * 60_000;
const MAX_BODY = 512 * 1024;

function getJson(url: string, agent: Agent | undefined, timeoutInMs: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    if (!url.startsWith('https://')) {
      reject(new Error(`refusing a non-https OpenID URL`));
      return;
    }
    const req = https.get(url, { ...(agent ? { agent } : {}), timeout: timeoutInMs, headers: { accept: 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY) req.destroy(new Error('OpenID response too large'));
        else chunks.push(c);
      });
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`GET ${new URL(url).pathname} answered ${res.statusCode}`));
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        } catch {
          reject(new Error('OpenID response is not JSON'));
        }
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('OpenID request timed out')));
    req.on('error', reject);
  });
}

export class OpenIdSigningKeys implements SigningKeys {
  private keys = new Map<string, KeyObject>();
  private fetchedAt = 0;
  private inflight: Promise<void> | undefined;

  constructor(private readonly options: { authorityHost: string; tenantId: string; agent?: Agent; timeoutInMs?: number; clock?: () => Date }) {}

  private now(): number {
    return (this.options.clock ?? (() => new Date()))().getTime();
  }

  private async refresh(): Promise<void> {
    const timeout = this.options.timeoutInMs ?? 10_000;
    const discovery = `${this.options.authorityHost.replace(/\/+$/, '')}/${encodeURIComponent(this.options.tenantId)}/v2.0/.well-known/openid-configuration`;
    const doc = (await getJson(discovery, this.options.agent, timeout)) as { jwks_uri?: unknown };
    if (typeof doc?.jwks_uri !== 'string') throw new Error('the OpenID configuration has no jwks_uri');
    const jwks = (await getJson(doc.jwks_uri, this.options.agent, timeout)) as { keys?: unknown };
    const keys = new Map<string, KeyObject>();
    for (const jwk of Array.isArray(jwks?.keys) ? (jwks.keys as Array<Record<string, unknown>>) : []) {
      const k = typeof jwk.kid === 'string' ? rsaKeyFromJwk(jwk) : undefined;
      if (k) keys.set(jwk.kid as string, k);
    }
    this.keys = keys;
    this.fetchedAt = this.now();
  }

  async key(kid: string): Promise<KeyObject | undefined> {
    const age = this.now() - this.fetchedAt;
    if (!this.fetchedAt || age > DAY_MS || (!this.keys.has(kid) && age > REFRESH_MIN_MS)) {
      this.inflight ??= this.refresh().finally(() => {
        this.inflight = undefined;
      });
      await this.inflight;
    }
    return this.keys.get(kid);
  }
}
