/**
 * The findings page and API of the Function App on a loopback HTTP server, for tests: the demo estate
 * audited once through the nightly code path into Azurite, and the real HTTP handlers
 * (functions/findingsPage.ts, functions/findingsApi.ts) called with `HttpRequest`s built from what a
 * browser sends. Sign-in: tokens from the emulator's test issuer (login.microsoftonline.com/{tenant}/v2.0).
 */
import http from 'node:http';
import { HttpRequest, InvocationContext } from '@azure/functions';
import { DEMO_APPROVED_REGISTRIES, demoEstate } from '../../estates/demo.js';
import { makeFindingsApiHandler } from '../../functions/findingsApi.js';
import { makeFindingsPageHandler } from '../../functions/findingsPage.js';
import { auditOnce } from '../../cli/common.js';
import type { Runtime } from '../../cli/runtime.js';
import { startHarness, type Harness } from './harness.js';

export const CLIENT_ID = '7d0c5a9e-4b1f-4c7e-9a55-2f6b1d3e8c10';
export const READER_ROLE = 'Findings.Read';
export const READER_GROUP = '5e1f0b2a-9c8d-4e7f-a6b5-c4d3e2f1a0b9';

export interface FindingsSite {
  harness: Harness;
  url: string;
  tenantId: string;
  /** A token of the test issuer for this app, with the given roles / groups (and any claim overrides). */
  token(o?: { roles?: string[]; groups?: string[]; claims?: Record<string, unknown> }): string;
  close(): Promise<void>;
}

export async function startFindingsSite(now = new Date()): Promise<FindingsSite> {
  const harness = await startHarness({
    estate: demoEstate(now),
    settings: {
      AUDITOR_APPROVED_REGISTRIES: DEMO_APPROVED_REGISTRIES.join(','),
      AUDITOR_AUTH_TENANT_ID: demoEstate(now).tenantId as string,
      AUDITOR_AUTH_CLIENT_ID: CLIENT_ID,
      AUDITOR_FINDINGS_READERS: `${READER_ROLE},${READER_GROUP}`,
    },
  });
  const tenantId = harness.emulator.estate.tenantId;
  // Two nightly runs: the second records nothing new, the first opens the demo's findings with their history.
  await auditOnce({ services: harness.host.services } as Runtime, { workers: 4, status: 'open' });
  const page = makeFindingsPageHandler(() => harness.host);
  const api = makeFindingsApiHandler(() => harness.host);
  const server = http.createServer((req, res) => {
    void (async () => {
      const url = `http://${req.headers.host}${req.url}`;
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      const request = new HttpRequest({ method: req.method ?? 'GET', url, headers });
      const path = new URL(url).pathname;
      const handler = path === '/api/findings/view' ? page : path === '/api/findings' ? api : undefined;
      if (!handler) {
        res.writeHead(404).end('not found');
        return;
      }
      const context = new InvocationContext({ invocationId: 'test', functionName: path, logHandler: () => undefined });
      const r = await handler(request, context);
      res.writeHead(r.status ?? 200, r.headers as Record<string, string>);
      res.end(typeof r.body === 'string' ? r.body : '');
    })().catch((e: unknown) => {
      res.writeHead(500).end(String(e));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as { port: number }).port;
  return {
    harness,
    url: `http://127.0.0.1:${port}`,
    tenantId,
    token: (o = {}) => harness.emulator.signUserToken({
      aud: CLIENT_ID, name: 'Dana Reader', preferred_username: 'dana@contoso.example',
      ...(o.roles ? { roles: o.roles } : {}), ...(o.groups ? { groups: o.groups } : {}), ...o.claims,
    }),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await harness.close();
    },
  };
}
