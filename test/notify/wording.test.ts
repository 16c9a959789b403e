import { describe, expect, it } from 'vitest';
import { buildView, toAlertItem } from '../../shared/notify/plan.js';
import { renderEmail, renderTeamsMessage } from '../../shared/notify/templates.js';
import { aChange, NOW, SUB } from './helpers.js';

/** The text of every TextBlock and RichTextBlock (its runs joined) of a Teams message, in order. */
function blocks(message: unknown): string[] {
  const out: string[] = [];
  const walk = (x: unknown): void => {
    if (Array.isArray(x)) x.forEach(walk);
    else if (x && typeof x === 'object') {
      const o = x as Record<string, unknown>;
      if (o.type === 'TextBlock' && typeof o.text === 'string') out.push(o.text);
      if (o.type === 'RichTextBlock' && Array.isArray(o.inlines)) out.push(o.inlines.map((r: { text: string }) => r.text).join(''));
      Object.values(o).forEach(walk);
    }
  };
  walk(message);
  return out;
}

// Rule titles state the compliant condition, so an alert must lead with what is wrong.
describe('alert wording', () => {
  const ctx = { portalUrl: 'https://portal.azure.com' };
  const registryFinding = { subject: '', message: 'admin user is enabled' };

  function digest(kind: 'opened' | 'resolved') {
    const change = aChange(kind, registryFinding);
    change.finding.subject = change.finding.resourceId; // a registry-level finding: its subject is the resource
    return buildView('digest', 'Nightly audit', [toAlertItem(change, ctx)], 25, NOW.toISOString());
  }

  it('a new finding leads with its message and names the rule; the subject is not repeated when it is the resource', () => {
    const texts = blocks(renderTeamsMessage(digest('opened')));
    // Grouped by rule: the rule's title and id once, then one line per finding (where, then what is wrong).
    expect(texts).toContain('Registry admin user is disabled · 1 finding (1 high)');
    expect(texts).toContain('registry.admin-user-disabled');
    expect(texts).toContain(`HIGH New · contosoprod · rg rg · sub ${SUB}`);
    expect(texts).toContain('admin user is enabled');
    expect(texts.join('\n')).not.toContain('/subscriptions/');
    expect(texts.join('\n')).not.toContain('\\');
    const mail = renderEmail(digest('opened'));
    expect(mail.text).toContain('[HIGH] New: admin user is enabled');
    expect(mail.text).toContain('Registry admin user is disabled (registry.admin-user-disabled): 1 finding (1 high)');
    expect(mail.text).not.toContain('Subject:');
    expect(mail.html).toContain('New: admin user is enabled</p>');
  });

  it('a resolution leads with the rule title, now true', () => {
    const mail = renderEmail(digest('resolved'));
    expect(mail.text).toContain('Resolved: Registry admin user is disabled');
    expect(mail.text).not.toContain('Expected:');
  });

  it('an immediate card shows the message as its headline and the title as what is expected', () => {
    const view = buildView('immediate', 'Image push', [toAlertItem(aChange('opened', { message: 'admin account contosoprod pushed team/app:1.0' }), ctx)], 5, NOW.toISOString());
    const texts = blocks(renderTeamsMessage(view));
    const headline = texts.indexOf('admin account contosoprod pushed team/app:1.0');
    expect(headline).toBeGreaterThan(0);
    expect(texts[headline + 1]).toBe('Expected: Registry admin user is disabled');
  });
});
