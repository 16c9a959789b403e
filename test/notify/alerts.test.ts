// Issue 16, items 2-4: cards without markdown escaping, pasteable remediation, digests a lead can act on.
import { describe, expect, it } from 'vitest';
import { findingLink, fillPlaceholders, placeholderValues } from '../../shared/notify/plan.js';
import { humanKey, humanValue, readableUtc } from '../../shared/notify/templates.js';
import { ownerTag, subjectRefOf } from '../../shared/rules/subjects.js';
import { cardOf, emailOf, FINDINGS_URL, nightlyChanges, planNightly, planPush, pushChanges } from './alertFixtures.js';
import { strings, validateCard } from './helpers.js';

type Node = Record<string, unknown>;
const nodes = (x: unknown): Node[] => (Array.isArray(x) ? x.flatMap(nodes) : x && typeof x === 'object' ? [x as Node, ...Object.values(x).flatMap(nodes)] : []);
const runsOf = (b: Node): string => ((b.inlines as Node[] | undefined) ?? []).map((r) => String(r.text)).join('');
const richTexts = (card: unknown): string[] => nodes(card).filter((n) => n.type === 'RichTextBlock').map(runsOf);

describe('item 2: cards carry untrusted values as TextRuns, unescaped', () => {
  it('rule ids, addresses and names read as they are: no backslash, no look-alike, no FactSet, no markdown TextBlock', () => {
    for (const card of [cardOf(planNightly()), cardOf(planPush())]) {
      expect(validateCard(card)).toEqual([]);
      // A backslash appears only where the rule's command has one (a line continuation).
      const visible = nodes(card).filter((n) => n.type === 'TextRun' && n.fontType !== 'Monospace').map((n) => String(n.text)).join('\n');
      expect(visible).not.toMatch(/[\\‹›]/);
      expect(strings(card).join('\n')).not.toMatch(/[‹›]/);
      expect(nodes(card).some((n) => n.type === 'FactSet')).toBe(false);
      const texts = richTexts(card).join('\n');
      expect(texts).toContain('registry.admin-user-disabled');
      expect(texts).toContain('j.doe@contoso.com');
      // TextBlocks hold our own wording only: no finding text, so nothing a markdown parser could change.
      for (const b of nodes(card).filter((n) => n.type === 'TextBlock')) expect(String(b.text)).not.toMatch(/contoso|registry\.|@/);
    }
  });

  it('facts are column sets of text runs', () => {
    const card = cardOf(planPush());
    const rows = nodes(card).filter((n) => n.type === 'ColumnSet');
    expect(rows.length).toBeGreaterThan(5);
    const fact = (label: string) => rows.map((r) => (r.columns as Node[]).map((c) => runsOf((c.items as Node[])[0]!))).find(([k]) => k === label)?.[1];
    expect(fact('Owner')).toBe('platform-team');
    expect(fact('Resource group')).toBe('rg-platform-prod');
    expect(fact('Subscription')).toBe('6f1c2a40-7f43-4b39-9a55-0c3e2b1d9a01');
    expect(fact('User agent')).toBe('docker/27.3.1 go/go1.22.7'); // evidence keys read as words
  });
});

describe('item 3: remediation can be pasted', () => {
  it('placeholders are filled from the finding; newlines and continuations are kept; < and > stay themselves', () => {
    const card = cardOf(planPush());
    const mono = nodes(card).filter((n) => n.type === 'TextRun' && n.fontType === 'Monospace').map((n) => String(n.text));
    expect(mono).toContain('az acr update --name contosoprod --admin-enabled false');
    // image.provenance-labeled: a multi-line command, one line per run, the `\` continuation at a line end.
    const build = mono.find((l) => l.startsWith('az acr build'));
    expect(build).toBe('az acr build --registry contosoprod --image team/checkout:2.4.1 \\');
    expect(mono.some((l) => l.startsWith('# Dockerfile: ARG SOURCE REVISION'))).toBe(true);
    expect(mono.join('\n')).not.toMatch(/[‹›]/);

    const mail = emailOf(planPush());
    const pre = /<pre[^>]*><code>([\s\S]*?)<\/code><\/pre>/.exec(mail.html)?.[1] ?? '';
    expect(pre.split('\n').length).toBeGreaterThan(2);
    expect(pre).toContain('az acr build --registry contosoprod --image team/checkout:2.4.1 \\\n');
    expect(mail.text).toMatch(/\n {4}az acr build --registry contosoprod --image team\/checkout:2\.4\.1 \\\n {4} {2}--build-arg/);
  });

  it('a value that is not plainly a name is never filled into a command (the placeholder stays)', () => {
    const f = { ruleId: 'image.fresh', resourceId: '/subscriptions/s/resourceGroups/rg-a/providers/Microsoft.ContainerRegistry/registries/contosoprod',
      subject: 'contosoprod.azurecr.io/team/app;rm -rf ~@sha256:abc', registry: 'contosoprod.azurecr.io', subscriptionId: 's' };
    const v = placeholderValues(f);
    expect(v).toMatchObject({ registry: 'contosoprod', rg: 'rg-a', subscription: 's' });
    expect(v.repository).toBeUndefined();
    expect(fillPlaceholders('az acr repository show -n <registry> --repository <repository> -g <rg>', v)).toBe('az acr repository show -n contosoprod --repository <repository> -g rg-a');
    const workload = placeholderValues({ ruleId: 'workload.image-fresh', resourceId: '/subscriptions/s/resourceGroups/rg-apps/providers/Microsoft.App/containerApps/checkout',
      subject: 'container main image contosoprod.azurecr.io/team/checkout:2.4.1', registry: 'contosoprod.azurecr.io', subscriptionId: 's' });
    expect(workload).toMatchObject({ app: 'checkout', rg: 'rg-apps', registry: 'contosoprod', repository: 'team/checkout', tag: '2.4.1' });
  });
});

describe('item 4: a digest a lead can act on', () => {
  const ns = planNightly();
  const card = cardOf(ns);
  const mail = emailOf(ns);

  it('groups by rule with counts and severity totals, and says how many are below the threshold', () => {
    const texts = richTexts(card);
    expect(texts).toContain('Registry admin user is disabled · 4 findings (4 high)');
    expect(texts).toContain('Registry anonymous pull access is disabled · 5 findings (5 high)');
    const blocks = nodes(card).filter((n) => n.type === 'TextBlock').map((n) => String(n.text));
    expect(blocks).toContain('19 new (9 high, 10 medium)');
    expect(blocks).toContain('11 more findings below the alert threshold (medium) are not listed here.');
    expect(mail.text).toContain('11 more findings below the alert threshold (medium) are not listed here.');
    // The same message is not repeated as a heading per finding: the rule title appears once.
    expect(texts.filter((t) => t.startsWith('Registry admin user is disabled'))).toHaveLength(1);
  });

  it('each finding names subscription, resource group and owner, and links to itself', () => {
    const texts = richTexts(card);
    expect(texts).toContain('HIGH New · contososhared · rg rg-platform-shared · sub 6f1c2a40-7f43-4b39-9a55-0c3e2b1d9a01 · owner j.doe@contoso.com');
    expect(texts.some((t) => t.startsWith('HIGH New · contosoml · rg rg-ml · sub 9b2e7d10') && !t.includes('owner'))).toBe(true);
    const links = nodes(card).filter((n) => n.type === 'Action.OpenUrl').map((n) => String(n.url));
    const findingIds = nightlyChanges().filter((c) => c.finding.severity !== 'low').map((c) => c.finding.id);
    for (const id of findingIds) expect(links).toContain(findingLink(FINDINGS_URL, id));
    expect(findingLink(FINDINGS_URL, 'abc')).toBe(`${FINDINGS_URL}?id=abc`);
    expect(findingLink('https://x.example/f?tenant=1', 'abc')).toBe('https://x.example/f?tenant=1&id=abc');
    expect(mail.html).toContain(`<a href="${FINDINGS_URL}?id&#61;${findingIds[0]}">Open the finding</a>`);
    expect(mail.text).toContain(`Finding: ${FINDINGS_URL}?id=${findingIds[0]}`);
  });

  it('the subject names the worst severity and its count; times are UTC and readable', () => {
    expect(mail.subject).toBe('[ACR auditor] Nightly audit digest: 9 high of 19 (19 new)');
    expect(emailOf(planPush()).subject).toBe('[ACR auditor] 3 findings, all high on contosoprod.azurecr.io');
    expect(strings(card).join('\n')).toContain('Generated Tue 4 Mar 2025, 02:00 UTC');
    expect(strings(card).join('\n')).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
    expect(readableUtc('2025-02-11T16:42:00Z')).toBe('Tue 11 Feb 2025, 16:42 UTC');
    expect(humanKey('adminUserEnabled')).toBe('Admin user enabled');
    expect(humanValue('["1.0","latest"]')).toBe('1.0, latest');
  });

  it('the push card: one portal button per resource, the place said once, no ARM id', () => {
    const push = cardOf(planPush());
    const actions = (push.actions as Node[]).map((a) => String(a.title));
    expect(actions).toEqual(['Portal: contosoprod', 'Open findings']);
    const all = strings(push).filter((s) => !/^https:/.test(s)).join('\n');
    expect(all).not.toContain('/subscriptions/');
    const rg = nodes(push).filter((n) => n.type === 'TextRun' && n.text === 'rg-platform-prod');
    expect(rg).toHaveLength(1);
    expect(validateCard(push)).toEqual([]);
  });

  it('hostile push values stay text: no link, mention or markup, no CR/LF or bidi', () => {
    const card = cardOf(planPush(pushChanges(true)));
    expect(validateCard(card)).toEqual([]);
    expect(strings(card).filter((s) => /[\r\n\u202e]/.test(s))).toEqual([]);
    const urls = nodes(card).filter((n) => n.type === 'Action.OpenUrl').map((n) => String(n.url));
    for (const u of urls) expect(u).toMatch(/^https:\/\/(portal\.azure\.com|acr-auditor\.contoso\.example)\//);
    expect(strings(card).join('\n')).not.toContain('https://evil.test');
  });
});

describe('owner tag', () => {
  it('is carried from the registry or workload tags into the finding reference (key in any case)', () => {
    expect(ownerTag({ Owner: ' platform-team ' })).toEqual({ owner: 'platform-team' });
    expect(ownerTag({ env: 'prod' })).toEqual({});
    const registry = { id: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/r1', name: 'r1', subscriptionId: 's', resourceGroup: 'rg',
      location: 'westeurope', sku: 'Premium', loginServer: 'r1.azurecr.io', adminUserEnabled: false, anonymousPullEnabled: false, publicNetworkAccess: 'Disabled',
      privateEndpointCount: 0, tags: { owner: 'edge-team' } };
    expect(subjectRefOf.registry({ registry }).owner).toBe('edge-team');
  });
});
