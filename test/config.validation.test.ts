/** Clear configuration errors (issue 10, items 8b, 8c, 8d): what is wrong, in which setting, nothing secret. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../shared/config.js';
import { problemsOf } from './support/config.js';

const problems = (env: Record<string, string>): string[] => problemsOf(() => loadConfig(env));

const SAS = 'sv=2024-11-04&ss=qt&srt=sco&sp=rwdlacup&se=2027-01-01T00:00:00Z&sig=S3cretSignature%3D';
const waivers = (w: unknown[]) => ({ AUDITOR_WAIVERS: JSON.stringify(w) });
const waiver = (extra: Record<string, unknown>) => ({ id: 'W-7', ruleId: 'image.fresh', resource: '*', reason: 'legacy', ...extra });

describe('AUDITOR_STORAGE connection strings (8b)', () => {
  it('a SAS connection string without a queue endpoint names the setting and what is missing', () => {
    const p = problems({ AUDITOR_STORAGE: `TableEndpoint=https://acct.table.core.windows.net;SharedAccessSignature=${SAS}` }).join('\n');
    expect(p).toMatch(/AUDITOR_STORAGE: .*QueueEndpoint/);
    expect(p).not.toMatch(/TableEndpoint is missing|missing TableEndpoint/);
    expect(p).not.toContain('S3cret');
  });

  it('a SAS connection string without a table endpoint names TableEndpoint', () => {
    const p = problems({ AUDITOR_STORAGE: `QueueEndpoint=https://acct.queue.core.windows.net;SharedAccessSignature=${SAS}` }).join('\n');
    expect(p).toMatch(/AUDITOR_STORAGE: .*TableEndpoint/);
    expect(p).not.toContain('S3cret');
  });

  it('endpoints without a SharedAccessSignature or an account key are named', () => {
    const p = problems({ AUDITOR_STORAGE: 'TableEndpoint=https://a.table.core.windows.net;QueueEndpoint=https://a.queue.core.windows.net' }).join('\n');
    expect(p).toMatch(/AUDITOR_STORAGE: .*(SharedAccessSignature|AccountKey)/);
  });

  it('an endpoint that is not a URL is named, not echoed', () => {
    const p = problems({ AUDITOR_STORAGE: `TableEndpoint=acct.table;QueueEndpoint=https://a.queue.core.windows.net;SharedAccessSignature=${SAS}` }).join('\n');
    expect(p).toMatch(/AUDITOR_STORAGE: TableEndpoint is not an http\(s\) URL/);
    expect(p).not.toContain('S3cret');
  });

  it('accepts the forms the storage SDKs accept', () => {
    const ok = [
      'UseDevelopmentStorage=true',
      'DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=a2V5a2V5a2V5;EndpointSuffix=core.windows.net',
      'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1;',
      `TableEndpoint=https://acct.table.core.windows.net/;QueueEndpoint=https://acct.queue.core.windows.net/;SharedAccessSignature=${SAS}`,
    ];
    for (const cs of ok) expect(problems({ AUDITOR_STORAGE: cs }), cs.slice(0, 30)).toEqual([]);
  });

  it('an account key without an endpoint suffix or endpoints names what is missing', () => {
    const p = problems({ AUDITOR_STORAGE: 'DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=a2V5a2V5' }).join('\n');
    expect(p).toMatch(/AUDITOR_STORAGE: .*EndpointSuffix/);
    expect(p).not.toContain('a2V5a2V5');
  });
});

describe('AUDITOR_WAIVERS expiresAt (8c)', () => {
  it('"1" is not a date (it used to mean the year 2001): rejected naming the waiver and the field', () => {
    const p = problems(waivers([waiver({}), waiver({ id: 'W-8', expiresAt: '1' })])).join('\n');
    expect(p).toMatch(/AUDITOR_WAIVERS\[1\] \(id "W-8"\)\.expiresAt: .*ISO 8601.*2027-01-31.*2027-01-31T00:00:00Z/);
  });

  it('rejects partial, local-time and impossible dates', () => {
    for (const bad of ['2027', '2027-01', 'January 31, 2027', '2027-1-31', '2027-01-31T00:00:00', '2027-02-30', '2027-13-01', '31/01/2027', '2027-01-31 00:00:00Z']) {
      expect(problems(waivers([waiver({ expiresAt: bad })])).join('\n'), bad).toMatch(/AUDITOR_WAIVERS\[0\] \(id "W-7"\)\.expiresAt/);
    }
  });

  it('accepts a full date or a date-time with a time zone', () => {
    for (const good of ['2027-01-31', '2027-01-31T00:00:00Z', '2027-01-31T08:30:00+02:00', '2027-01-31T08:30Z', '2027-01-31T08:30:00.123Z', '2028-02-29']) {
      expect(problems(waivers([waiver({ expiresAt: good })])), good).toEqual([]);
    }
  });

  it('reports every bad waiver, not only the first', () => {
    const p = problems(waivers([waiver({ expiresAt: '1' }), waiver({ id: 'W-9', reason: '' })]));
    expect(p.join('\n')).toMatch(/AUDITOR_WAIVERS\[0\].*expiresAt/);
    expect(p.join('\n')).toMatch(/AUDITOR_WAIVERS\[1\].*reason/);
  });
});

describe('AUDITOR_WAIVERS ruleId (8d)', () => {
  it('an unknown rule id is rejected, naming the waiver and the known rules', () => {
    const p = problems(waivers([waiver({ ruleId: 'image.freshh' })])).join('\n');
    expect(p).toMatch(/AUDITOR_WAIVERS\[0\] \(id "W-7"\)\.ruleId: "image\.freshh" is not a rule/);
    expect(p).toContain('image.fresh,');
    expect(p).toContain('registry.approved');
  });

  it('"*" (every rule) and every catalog rule id are accepted', () => {
    expect(problems(waivers([waiver({ ruleId: '*' }), waiver({ ruleId: 'registry.admin-user-disabled' })]))).toEqual([]);
  });
});
