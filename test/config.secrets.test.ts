/**
 * No setting value that could hold a secret is ever printed (issue 10, item 7): every setting of the
 * catalog, core and notifications, receives planted secrets (a pasted connection string, a URL with
 * credentials, a SAS), alone and inside JSON, and the planted secret never appears in the ConfigError.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../shared/config.js';
import { loadSettings } from '../shared/host.js';
import { ALL_SETTINGS } from '../shared/settingsCatalog.js';
import { MARK, PLANTED } from './config.planted.js';

function message(env: Record<string, string>): string | undefined {
  try {
    loadSettings(env);
    return undefined;
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
}

describe('planted secrets in every setting', () => {
  it('never appear in the ConfigError, which still names the setting', () => {
    let rejected = 0;
    for (const setting of ALL_SETTINGS) {
      for (const [kind, value] of Object.entries(PLANTED)) {
        const msg = message({ [setting.name]: value });
        if (msg === undefined) continue;
        rejected++;
        expect(msg, `${setting.name} <- ${kind}`).not.toContain(MARK);
        expect(msg, `${setting.name} <- ${kind}`).toContain(setting.name);
      }
    }
    // Most settings reject most of these values: the assertions above ran, not skipped.
    expect(rejected).toBeGreaterThan(ALL_SETTINGS.length * 3);
  });

  it('a secret in a setting that a route names is not printed either', () => {
    for (const value of Object.values(PLANTED)) {
      const msg = message({ AUDITOR_ROUTES: JSON.stringify([{ name: 'r', teamsWebhookSetting: 'AUDITOR_HOOK_R' }]), AUDITOR_HOOK_R: value }) ?? '';
      expect(msg).not.toContain(MARK);
    }
  });

  it('an ACS connection string pasted into AUDITOR_ACS_ENDPOINT is named as such, with what to set instead', () => {
    const msg = message({ AUDITOR_ACS_ENDPOINT: PLANTED['ACS connection string']!, AUDITOR_EMAIL_FROM: 'a@contoso.test' }) ?? '';
    expect(msg).toMatch(/AUDITOR_ACS_ENDPOINT: .*connection string.*https:\/\/<resource>\.communication\.azure\.com/);
    expect(msg).not.toContain(MARK);
    expect(msg).not.toContain('accesskey=');
  });

  it('a URL with credentials is refused where a plain URL is expected, without echoing it', () => {
    for (const name of ['AUDITOR_FINDINGS_URL', 'AUDITOR_EVENTGRID_TOPIC_ENDPOINT', 'AUDITOR_ACS_ENDPOINT', 'AUDITOR_PORTAL_URL', 'AUDITOR_ARM_ENDPOINT']) {
      const msg = message({ [name]: `https://user:${MARK}@x.example.com/v1`, AUDITOR_EMAIL_FROM: 'a@contoso.test' }) ?? '';
      expect(msg, name).toMatch(new RegExp(`${name}: must not contain credentials`));
      expect(msg, name).not.toContain(MARK);
    }
  });

  it('harmless typos are still quoted, so the user can find them', () => {
    expect(message({ AUDITOR_STALE_AFTER_DAYS: 'ninety' })).toContain('"ninety"');
    expect(message({ AUDITOR_ALERT_MIN_SEVERITY: 'loud' })).toContain('"loud"');
  });
});
