import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AzureKeyCredential, EventGridNotifier } from '../../shared/notify/eventGridPublisher.js';
import { DEFAULT_POLICY, planNotifications } from '../../shared/notify/plan.js';
import type { OutboxRecord } from '../../shared/notify/outbox.js';
import { aChange, manyOpened, NOW } from './helpers.js';
import { CHANNELS } from '../../shared/notify/registry.js';

describe('Event Grid publisher (loopback topic)', () => {
  let server: Server;
  let endpoint = '';
  const received: Array<{ headers: Record<string, unknown>; body: unknown[] }> = [];
  let status = 200;
  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown[] });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/events`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('publishes the planned CloudEvents batch; a 503 is retryable', async () => {
    const [n] = planNotifications([...manyOpened(3), aChange('resolved', { id: 'r'.repeat(32) })],
      { origin: { kind: 'nightly', runId: 'run-eg' }, now: NOW, portalUrl: 'https://portal.azure.com' }, { ...DEFAULT_POLICY, channels: CHANNELS, feeds: { eventgrid: true } });
    const rec: OutboxRecord = { id: n!.id, partition: n!.partition, channel: 'eventgrid', route: n!.route, kind: n!.kind, originKey: n!.originKey,
      status: 'sending', attempts: 1, nextAttemptAt: n!.notBefore, createdAt: n!.createdAt, severity: n!.severity, total: n!.total, summary: n!.summary, payload: n!.payload };
    const notifier = new EventGridNotifier({ endpoint, credential: new AzureKeyCredential('local-key'), allowInsecureConnection: true, sdkMaxRetries: 0 });
    expect(await notifier.send(rec)).toEqual({ ok: true });
    const got = received.at(-1)!;
    expect(got.headers['aeg-sas-key']).toBe('local-key');
    expect(String(got.headers['content-type'])).toContain('application/cloudevents-batch+json');
    expect(got.body).toHaveLength(4);
    expect(got.body.map((e) => (e as { type: string }).type).sort()).toEqual([
      'AcrAuditor.Finding.Opened', 'AcrAuditor.Finding.Opened', 'AcrAuditor.Finding.Opened', 'AcrAuditor.Finding.Resolved']);
    expect(got.body[0]).toMatchObject({ specversion: '1.0', source: '/acr-auditor' });
    status = 503;
    const r = await notifier.send(rec);
    expect(r).toMatchObject({ ok: false, retryable: true });
  });
});
