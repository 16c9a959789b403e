/**
 * The first run against real Azure without a credential (issue 10, item 8f): one clear message (no
 * credential, what to do), the underlying error's first line cut at a word boundary, exit 2, before
 * anything is audited. Deterministic on any machine: no az/pwsh/azd on PATH, and the managed identity
 * endpoint is a loopback server that says no identity is assigned (so IMDS is never probed).
 */
import { createServer, type Server } from 'node:http';
import { DefaultAzureCredential } from '@azure/identity';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { main, type CliIo } from '../../cli/main.js';

const NO_IDENTITY = 'No managed identity is assigned to this resource.';

describe('acr-auditor audit without an Azure credential', () => {
  let server: Server;
  let port = 0;
  const saved = { ...process.env };
  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'invalid_request', error_description: NO_IDENTITY }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  beforeEach(() => {
    for (const k of Object.keys(process.env)) if (/^(AUDITOR_|AZURE_|IDENTITY_|MSI_)/.test(k)) delete process.env[k];
    process.env.AUDITOR_APPROVED_REGISTRIES = 'contoso*.azurecr.io';
    process.env.PATH = '/nonexistent-acr-auditor-test';
    process.env.IDENTITY_ENDPOINT = `http://127.0.0.1:${port}/msi/token`;
    process.env.IDENTITY_HEADER = 'test';
  });
  afterEach(() => {
    process.env = { ...saved };
  });

  it('says no credential was found and what to do, with the cause cut at a word boundary; exit 2', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = { out: (s) => out.push(s), err: (s) => err.push(s), isTty: false };
    const code = await main(['audit', '--format', 'json'], io);
    const printed = err.join('\n');
    expect(code, printed).toBe(2);
    expect(out).toEqual([]);
    const lines = printed.split('\n').filter((l) => l.startsWith('acr-auditor:'));
    expect(lines, printed).toHaveLength(1);
    const line = lines[0]!;
    expect(line).toMatch(/^acr-auditor: no Azure credential found: run `az login`/);
    expect(line).toMatch(/managed identity/);
    expect(line).toMatch(/workload identity/);
    expect(line).toMatch(/AZURE_CLIENT_ID/);
    expect(line).toMatch(/--estate FILE/);
    // The cause: the underlying errors' first lines, cut at a word boundary: every word is a whole word of
    // what the credential chain said (asked here directly, the same way the CLI does).
    const cause = /\(cause: (.*)\)$/.exec(line)?.[1];
    expect(cause, line).toBeDefined();
    let underlying = '';
    try {
      await new DefaultAzureCredential().getToken('https://management.azure.com/.default');
    } catch (e) {
      underlying = [e, ...((e as { errors?: unknown[] }).errors ?? [])].map((x) => (x as Error).message).join('\n');
    }
    expect(underlying).toContain(NO_IDENTITY);
    const wholeWords = new Set(underlying.split(/\s+/));
    const words = cause!.replace(/…$/, '').split(/\s+/).map((w) => w.replace(/;$/, '')).filter(Boolean);
    expect(words.length).toBeGreaterThan(5);
    for (const w of words) expect(wholeWords.has(w) || wholeWords.has(`${w};`), w).toBe(true);
  });
});
