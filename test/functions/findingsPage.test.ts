/**
 * The findings page and `/api/findings` (issue 16): only signed-in members of the tenant with the reader
 * app role or group are served, checked by the function itself (JWT signature against the issuer's JWKS,
 * issuer, audience, tenant, expiry, role/group), with tokens from the emulator's test issuer; filters,
 * paging and deep links.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPairSync, sign } from 'node:crypto';
import { buildHostServices } from '../../shared/host.js';
import { serveFindings } from '../../shared/usecases/readFindings.js';
import { findingLink } from '../../shared/findings/query.js';
import { READER_GROUP, READER_ROLE, startFindingsSite, type FindingsSite } from '../support/findingsSite.js';

let site: FindingsSite;
beforeAll(async () => {
  site = await startFindingsSite();
}, 120_000);
afterAll(async () => site?.close());

async function get(path: string, token?: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${site.url}${path}`, { headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

describe('findings page sign-in (verified by the function)', () => {
  it('refuses an anonymous request with 401 and shows no finding', async () => {
    for (const path of ['/api/findings/view', '/api/findings']) {
      const r = await get(path);
      expect(r.status, path).toBe(401);
      expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(r.text).not.toMatch(/registry\.admin-user-disabled|class="finding/);
    }
  });

  it('refuses a valid token of the tenant without the reader role or group with 403', async () => {
    const r = await get('/api/findings/view', site.token({ roles: ['Something.Else'] }));
    expect(r.status).toBe(403);
    expect(r.text).toMatch(/without a role or group allowed to read findings/);
    expect(r.text).not.toMatch(/class="finding/);
  });

  it('serves a token with the reader app role (page and API), and one with the reader group', async () => {
    const page = await get('/api/findings/view', site.token({ roles: [READER_ROLE] }));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.text).toMatch(/class="finding/);
    expect(page.text).toMatch(/signed in as dana@contoso\.example/);
    const api = await get('/api/findings', site.token({ groups: [READER_GROUP] }));
    expect(api.status).toBe(200);
    expect(JSON.parse(api.text).total).toBeGreaterThan(10);
  });

  it('accepts the id token App Service Authentication forwards (X-MS-TOKEN-AAD-ID-TOKEN), verified like a bearer token', async () => {
    expect((await get('/api/findings', undefined, { 'x-ms-token-aad-id-token': site.token({ roles: [READER_ROLE] }) })).status).toBe(200);
    // The platform's unsigned principal header alone is never trusted.
    const principal = Buffer.from(JSON.stringify({ claims: [{ typ: 'roles', val: READER_ROLE }] })).toString('base64');
    expect((await get('/api/findings', undefined, { 'x-ms-client-principal': principal })).status).toBe(401);
  });

  it('refuses tokens for another audience, tenant or issuer, expired, unsigned or signed by another key', async () => {
    const role = { roles: [READER_ROLE] };
    const cases: Record<string, string> = {
      audience: site.token({ ...role, claims: { aud: 'api://someone-else' } }),
      tenant: site.token({ ...role, claims: { tid: '00000000-0000-0000-0000-00000000dead' } }),
      issuer: site.token({ ...role, claims: { iss: 'https://evil.example/v2.0' } }),
      expired: site.token({ ...role, claims: { expiresInSeconds: -3600 } }),
    };
    // alg none: the same claims, no signature.
    const [h, p] = site.token(role).split('.');
    cases.unsigned = `${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(h!, 'base64url').toString()), alg: 'none' })).toString('base64url')}.${p}.`;
    // Signed with a key that is not the issuer's, under the issuer's key id.
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    cases.forged = `${h}.${p}.${sign('RSA-SHA256', Buffer.from(`${h}.${p}`), privateKey).toString('base64url')}`;
    // The payload changed after signing (a role added).
    const [, p2, s2] = site.token({ roles: ['Other'] }).split('.');
    const tampered = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p2!, 'base64url').toString()), roles: [READER_ROLE] })).toString('base64url');
    cases.tampered = `${h}.${tampered}.${s2}`;
    for (const [name, token] of Object.entries(cases)) expect((await get('/api/findings', token)).status, name).toBe(401);
  });

  it('refuses every request when sign-in is not configured (no readers), whatever the token', async () => {
    const host = buildHostServices({ env: { AUDITOR_STORAGE: site.harness.azurite.connectionString, AUDITOR_APPROVED_REGISTRIES: '*.azurecr.io' }, agent: site.harness.emulator.agent, log: { info: () => undefined, warn: () => undefined, error: () => undefined } });
    const r = await serveFindings({ findings: host.services.findings, portalUrl: 'https://portal.azure.com', clock: () => new Date(), access: host.readerAccess },
      { url: 'https://x.example/api/findings', header: (n) => (n === 'authorization' ? `Bearer ${site.token({ roles: [READER_ROLE] })}` : undefined) }, 'json');
    expect(r.status).toBe(503);
    expect(r.body).not.toMatch(/ruleId/);
  });
});

describe('findings page and API content', () => {
  const token = () => site.token({ roles: [READER_ROLE] });

  it('pages the JSON with the same filters as the page', async () => {
    const all = JSON.parse((await get('/api/findings?status=all&pageSize=200', token())).text);
    const high = JSON.parse((await get('/api/findings?severity=HIGH&pageSize=3', token())).text);
    expect(high.findings).toHaveLength(3);
    expect(high.findings.every((f: { severity: string }) => f.severity === 'high')).toBe(true);
    expect(high.pages).toBe(Math.ceil(high.total / 3));
    expect(high.next).toMatch(/page=2/);
    const page2 = JSON.parse((await get(new URL(high.next).pathname + new URL(high.next).search, token())).text);
    expect(page2.findings.map((f: { id: string }) => f.id)).not.toEqual(high.findings.map((f: { id: string }) => f.id));
    const f = all.findings.find((x: { registry: string | null; subscriptionId: string | null }) => x.registry && x.subscriptionId);
    const byRegistry = JSON.parse((await get(`/api/findings?registry=${f.registry}&subscription=${f.subscriptionId}&rule=${f.ruleId}`, token())).text);
    expect(byRegistry.findings.length).toBeGreaterThan(0);
    expect(byRegistry.findings.every((x: { registry: string; ruleId: string }) => x.registry === f.registry && x.ruleId === f.ruleId)).toBe(true);
    expect(f.history.length).toBeGreaterThan(0);
    expect(f.portalUrl).toMatch(/^https:\/\/portal\.azure\.com\/#resource\/subscriptions\//);
  });

  it('answers 400 naming a bad filter', async () => {
    const r = await get('/api/findings?severity=urgent&pageSize=0', token());
    expect(r.status).toBe(400);
    expect(r.text).toMatch(/severity: expected one of/);
    expect(r.text).toMatch(/pageSize/);
  });

  it('a deep link opens the finding itself, with its evidence, remediation, history and portal link', async () => {
    const all = JSON.parse((await get('/api/findings?pageSize=1', token())).text);
    const id: string = all.findings[0].id;
    const link = findingLink(`${site.url}/api/findings/view`, id)!;
    const r = await get(new URL(link).pathname + new URL(link).search, token());
    expect(r.status).toBe(200);
    expect(r.text.match(/<details class="finding/g)).toHaveLength(1);
    expect(r.text).toContain(`id="f-${id}"`);
    expect(r.text).toMatch(new RegExp(`id="f-${id}"[^>]* open>`));
    for (const part of ['<h3>Evidence</h3>', '<h3>Remediation</h3>', '<h3>History</h3>', 'Open in the Azure portal']) expect(r.text).toContain(part);
  });
});
