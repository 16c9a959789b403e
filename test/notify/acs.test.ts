import { describe, expect, it } from 'vitest';
import { createHttpHeaders, type HttpClient, type PipelineRequest } from '@azure/core-rest-pipeline';
import type { TokenCredential } from '@azure/identity';
import { AcsEmailNotifier, operationIdFor } from '../../shared/notify/email.js';
import { DEFAULT_POLICY, planNotifications } from '../../shared/notify/plan.js';
import type { OutboxRecord } from '../../shared/notify/outbox.js';
import { aChange, NOW } from './helpers.js';
import { CHANNELS } from '../../shared/notify/registry.js';

// The real EmailClient with an in-process HTTP client (no socket): bearer tokens refuse plain http.
describe('AcsEmailNotifier (real EmailClient, in-process HTTP client)', () => {
  it('sends with a bearer token and a deterministic operation id, polls until done', async () => {
    const requests: PipelineRequest[] = [];
    const bodies: unknown[] = [];
    let status = 202;
    const httpClient: HttpClient = {
      async sendRequest(request) {
        requests.push(request);
        if (request.method === 'POST') {
          bodies.push(JSON.parse(String(request.body)));
          if (status !== 202) return { request, status, headers: createHttpHeaders({ 'retry-after': '7', 'content-type': 'application/json' }), bodyAsText: '{"error":{"code":"TooManyRequests","message":"slow down"}}' };
          return { request, status: 202, headers: createHttpHeaders({ 'operation-location': `https://acs.example.test/emails/operations/${request.headers.get('operation-id')}?api-version=2023-03-31`, 'retry-after': '0', 'content-type': 'application/json' }),
            bodyAsText: JSON.stringify({ id: request.headers.get('operation-id'), status: 'Running' }) };
        }
        return { request, status: 200, headers: createHttpHeaders({ 'content-type': 'application/json' }), bodyAsText: JSON.stringify({ id: 'x', status: 'Succeeded' }) };
      },
    };
    const credential: TokenCredential = { getToken: async () => ({ token: 'test-token', expiresOnTimestamp: Date.now() + 3_600_000 }) };
    const notifier = new AcsEmailNotifier({ endpoint: 'https://acs.example.test', credential, from: 'DoNotReply@contoso.test', messagesPerMinute: 6000,
      pollIntervalInMs: 1, clientOptions: { httpClient, retryOptions: { maxRetries: 0 } } });
    const [n] = planNotifications([aChange('opened', { severity: 'critical' })], { origin: { kind: 'event', eventId: 'e-acs' }, now: NOW, portalUrl: 'https://portal.azure.com' },
      { ...DEFAULT_POLICY, channels: CHANNELS, routes: [{ name: 'default', match: {}, targets: { email: ['secops@contoso.test'] } }] });
    const rec: OutboxRecord = { id: n!.id, partition: n!.partition, channel: 'email', route: 'default', kind: n!.kind, originKey: n!.originKey, status: 'sending',
      attempts: 1, nextAttemptAt: n!.notBefore, createdAt: n!.createdAt, severity: n!.severity, total: 1, summary: n!.summary, payload: n!.payload };
    expect(await notifier.send(rec)).toEqual({ ok: true });
    const post = requests.find((r) => r.method === 'POST')!;
    expect(post.headers.get('authorization')).toBe('Bearer test-token');
    expect(post.headers.get('operation-id')).toBe(operationIdFor(n!.id));
    expect(bodies[0]).toMatchObject({ senderAddress: 'DoNotReply@contoso.test', recipients: { to: [{ address: 'secops@contoso.test' }] } });
    status = 429;
    const r = await notifier.send(rec);
    expect(r).toMatchObject({ ok: false, retryable: true, retryAfterMs: 7000 });
  });
});
