import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SmtpNotifier } from '../../shared/notify/email.js';
import { startLocalSmtpServer, type LocalSmtpServer } from '../../shared/notify/local.js';
import { DEFAULT_POLICY, planNotifications, type PlannedNotification } from '../../shared/notify/plan.js';
import type { OutboxRecord } from '../../shared/notify/outbox.js';
import { aChange, HOSTILE_TAG, NOW } from './helpers.js';
import { CHANNELS } from '../../shared/notify/registry.js';

/** A small RFC 5322 / MIME reader: unfolded headers and the decoded parts of a multipart/alternative. */
function parseMail(raw: string): { headers: Array<[string, string]>; parts: Record<string, string> } {
  const [head, ...rest] = raw.split(/\r\n\r\n/);
  const body = rest.join('\r\n\r\n');
  const headers = head!.replace(/\r\n[ \t]+/g, ' ').split('\r\n').map((l) => {
    const i = l.indexOf(':');
    return [l.slice(0, i).toLowerCase(), l.slice(i + 1).trim()] as [string, string];
  });
  const ct = headers.find(([k]) => k === 'content-type')?.[1] ?? '';
  const boundary = /boundary="?([^";]+)"?/.exec(ct)?.[1];
  const parts: Record<string, string> = {};
  if (boundary) {
    for (const part of body.split(`--${boundary}`).slice(1, -1)) {
      const m = parseMail(part.replace(/^\r\n/, ''));
      const type = (m.headers.find(([k]) => k === 'content-type')?.[1] ?? '').split(';')[0]!;
      const enc = m.headers.find(([k]) => k === 'content-transfer-encoding')?.[1] ?? '7bit';
      const content = part.slice(part.indexOf('\r\n\r\n') + 4);
      parts[type] = enc === 'base64' ? Buffer.from(content.replace(/\s+/g, ''), 'base64').toString('utf8')
        : enc === 'quoted-printable'
          ? Buffer.from(content.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8')
          : content;
    }
  }
  return { headers, parts };
}

function decodeHeader(v: string): string {
  return v.replace(/=\?utf-8\?([BQ])\?([^?]*)\?=\s*/gi, (_, enc: string, text: string) => enc.toUpperCase() === 'B'
    ? Buffer.from(text, 'base64').toString('utf8')
    : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/g, (__, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8'));
}

function record(n: PlannedNotification): OutboxRecord {
  return { id: n.id, partition: n.partition, channel: n.channel, route: n.route, kind: n.kind, originKey: n.originKey, status: 'sending', attempts: 1,
    nextAttemptAt: n.notBefore, createdAt: n.createdAt, severity: n.severity, total: n.total, summary: n.summary, payload: n.payload };
}

describe('SMTP round trip (smtp-server on 127.0.0.1)', () => {
  let smtp: LocalSmtpServer;
  let out: string;
  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'notify-email-'));
    smtp = await startLocalSmtpServer({ outputDir: out });
  });
  afterAll(async () => {
    await smtp?.close();
    rmSync(out, { recursive: true, force: true });
  });

  it('sends multipart text+html with the planned headers; hostile strings cannot add headers, links or markup', async () => {
    const policy = { ...DEFAULT_POLICY, channels: CHANNELS, routes: [{ name: 'default', match: {}, targets: { email: ['secops@contoso.test', 'dev@contoso.test'] } }] };
    const hostile = aChange('opened', {
      severity: 'critical',
      title: `Image tag is immutable ${HOSTILE_TAG}`,
      // The message leads the subject line (rule titles state the compliant condition): it carries the hostile tag too.
      message: `Image tag is mutable ${HOSTILE_TAG}`,
      subject: `contosoprod.azurecr.io/team/app:${HOSTILE_TAG}`,
      evidence: { tag: HOSTILE_TAG, actor: '<script>alert(1)</script>' },
    });
    const [n] = planNotifications([hostile], { origin: { kind: 'event', eventId: 'evt-mail' }, now: NOW, portalUrl: 'https://portal.azure.com', remediationFor: () => ({ description: 'Make tags immutable.', cli: 'az acr repository update --write-enabled false' }) }, policy);
    const notifier = new SmtpNotifier({ url: smtp.url, from: 'auditor@contoso.test', messagesPerMinute: 600 });
    expect(await notifier.send(record(n!))).toEqual({ ok: true });
    notifier.close();

    expect(smtp.messages).toHaveLength(1);
    const mail = smtp.messages[0]!;
    expect(mail.from).toBe('auditor@contoso.test');
    expect(mail.to.sort()).toEqual(['dev@contoso.test', 'secops@contoso.test']);
    const { headers, parts } = parseMail(mail.raw);
    const names = headers.map(([k]) => k);
    expect(names).not.toContain('bcc');
    expect(names.filter((k) => k === 'subject')).toHaveLength(1);
    const get = (k: string) => headers.find(([h]) => h === k)?.[1] ?? '';
    expect(get('from')).toBe('auditor@contoso.test');
    expect(get('to')).toBe('dev@contoso.test, secops@contoso.test');
    expect(get('x-acr-auditor-notification')).toBe(n!.id);
    const subject = decodeHeader(get('subject'));
    expect(subject).toMatch(/^\[ACR auditor\] CRITICAL: Image tag is mutable 1\.0 Bcc: victim@evil\.test/);
    expect(subject.length).toBeLessThanOrEqual(160);
    expect(get('content-type')).toMatch(/^multipart\/alternative/);
    expect(Object.keys(parts).sort()).toEqual(['text/html', 'text/plain']);
    expect(parts['text/plain']).toContain('Remediation');
    expect(parts['text/plain']).not.toContain('\r\nBcc:');
    expect(parts['text/html']).not.toMatch(/<script|<at>|href="https:\/\/evil/i);
    expect(parts['text/html']).toContain('&#60;script&#62;');
    expect(parts['text/html']).toContain('href="https://portal.azure.com/#resource/subscriptions/');
    expect(readFileSync(mail.file!, 'utf8')).toBe(mail.raw);
  });

  it('wrong credentials and refused connections are retryable failures without secrets in the error', async () => {
    const bad = new SmtpNotifier({ url: smtp.url.replace(/:[^:@]+@/, ':wrong-password@'), from: 'auditor@contoso.test', messagesPerMinute: 600 });
    const [n] = planNotifications([aChange('opened')], { origin: { kind: 'nightly', runId: 'r' }, now: NOW, portalUrl: 'https://portal.azure.com' },
      { ...DEFAULT_POLICY, channels: CHANNELS, routes: [{ name: 'default', match: {}, targets: { email: ['a@contoso.test'] } }] });
    const r = await bad.send(record(n!));
    bad.close();
    expect(r.ok).toBe(false);
    expect(JSON.stringify(r)).not.toContain('wrong-password');
    expect(JSON.stringify(r)).not.toContain(new URL(smtp.url).password);
  });
});
