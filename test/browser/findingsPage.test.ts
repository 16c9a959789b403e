/**
 * Looked at, not only asserted (issue 16): the findings page served by the function and the report file
 * rendered in headless Chromium (Debian's chromium, driven by playwright-core) at 384 px and 1,000 px.
 * Checks what a person sees: sign-in enforced (anonymous and role-less refused, a reader served),
 * nothing cut off or wider than the screen, the filters work (server-side on the page, in the browser
 * in the report file, which makes no network request). Screenshots: out/screenshots/ (CI lists them).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { renderFindingsReport } from '../../shared/usecases/readFindings.js';
import { READER_ROLE, startFindingsSite, type FindingsSite } from '../support/findingsSite.js';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SHOTS = resolve('out/screenshots');
const WIDTHS = [384, 1000] as const;

let site: FindingsSite;
const dirs: string[] = [];
const contexts: BrowserContext[] = [];

async function browserAt(width: number, headers: Record<string, string> = {}): Promise<Page> {
  const dir = mkdtempSync(join(tmpdir(), 'acr-auditor-chromium-'));
  dirs.push(dir);
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', ...FLAGS],
    viewport: { width, height: 900 },
    extraHTTPHeaders: headers,
  });
  contexts.push(context);
  return context.pages()[0] ?? context.newPage();
}

/**
 * Everything a person can see, measured in the page: the page scrolling sideways, elements outside the
 * screen, text cut off inside its box. (Page scripts as strings: the test's TypeScript has no DOM types.)
 */
const CLIPPED = `(() => {
  const out = [];
  const vw = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth > vw + 1) out.push('page scrolls sideways: ' + document.documentElement.scrollWidth + ' > ' + vw);
  for (const el of Array.from(document.body.querySelectorAll('*'))) {
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height || getComputedStyle(el).visibility === 'hidden') continue;
    const name = el.tagName.toLowerCase() + '.' + (el.className || '') + ' "' + (el.textContent || '').trim().slice(0, 40) + '"';
    if (r.right > vw + 1 || r.left < -1) out.push(name + ' outside the screen (' + Math.round(r.left) + '..' + Math.round(r.right) + ' of ' + vw + ')');
    if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'visible') out.push(name + ' cut off (' + el.scrollWidth + ' > ' + el.clientWidth + ')');
  }
  return out.slice(0, 10);
})()`;
const OPEN_ALL = `document.querySelectorAll('details').forEach((d) => d.setAttribute('open', ''))`;
const clipped = (page: Page) => page.evaluate<string[]>(CLIPPED);
const dataOf = (page: Page, selector: string, keys: string[]) =>
  page.evaluate<string[][]>(`Array.from(document.querySelectorAll(${JSON.stringify(selector)})).map((e) => ${JSON.stringify(keys)}.map((k) => e.dataset[k]))`);

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  site = await startFindingsSite();
}, 120_000);

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  await site?.close();
});

describe('findings page in Chromium', () => {
  it('refuses an anonymous visitor and a signed-in member without the reader role; shows nothing of the findings', async () => {
    const anonymous = await browserAt(1000);
    const r1 = await anonymous.goto(`${site.url}/api/findings/view`);
    expect(r1?.status()).toBe(401);
    await expect.poll(() => anonymous.locator('h1').textContent()).toBe('Sign-in required');
    expect(await anonymous.locator('details.finding').count()).toBe(0);
    await anonymous.screenshot({ path: join(SHOTS, 'findings-page-anonymous-1000.png') });

    const roleless = await browserAt(384, { authorization: `Bearer ${site.token({ roles: ['Other.Role'] })}` });
    const r2 = await roleless.goto(`${site.url}/api/findings/view`);
    expect(r2?.status()).toBe(403);
    expect(await roleless.locator('h1').textContent()).toBe('Not allowed');
    expect(await roleless.locator('details.finding').count()).toBe(0);
  });

  for (const width of WIDTHS) {
    it(`serves a reader at ${width} px: findings with history, evidence and remediation, nothing clipped`, async () => {
      const page = await browserAt(width, { authorization: `Bearer ${site.token({ roles: [READER_ROLE] })}` });
      const r = await page.goto(`${site.url}/api/findings/view`);
      expect(r?.status()).toBe(200);
      const cards = page.locator('details.finding');
      expect(await cards.count()).toBeGreaterThan(10);
      await cards.first().locator(':scope > summary').click();
      await expect.poll(() => cards.first().getAttribute('open')).not.toBeNull();
      for (const heading of ['Evidence', 'Remediation', 'History']) expect(await cards.first().locator('h3', { hasText: heading }).isVisible()).toBe(true);
      expect(await cards.first().locator('a', { hasText: 'Open in the Azure portal' }).getAttribute('href')).toMatch(/^https:\/\/portal\.azure\.com\/#resource\//);
      await page.screenshot({ path: join(SHOTS, `findings-page-${width}.png`) });
      // Every finding opened: the longest ARM ids, evidence and commands must still fit.
      await page.evaluate(OPEN_ALL);
      expect(await clipped(page)).toEqual([]);
    });
  }

  it('filters by severity, rule and registry (a GET form the function applies)', async () => {
    const page = await browserAt(1000, { authorization: `Bearer ${site.token({ roles: [READER_ROLE] })}` });
    await page.goto(`${site.url}/api/findings/view`);
    const before = await page.locator('details.finding').count();
    await page.selectOption('select[name=severity]', 'high');
    await Promise.all([page.waitForURL(/severity=high/), page.click('button[type=submit]')]);
    const severities = (await dataOf(page, 'details.finding', ['severity'])).map(([s]) => s);
    expect(severities.length).toBeGreaterThan(0);
    expect(severities.length).toBeLessThan(before);
    expect(new Set(severities)).toEqual(new Set(['high']));
    const registry = await page.locator('select[name=registry] option').nth(1).getAttribute('value');
    await page.selectOption('select[name=registry]', registry!);
    await Promise.all([page.waitForURL(/registry=/), page.click('button[type=submit]')]);
    const rows = await dataOf(page, 'details.finding', ['severity', 'registry']);
    for (const [sev, reg] of rows) expect([sev, reg]).toEqual(['high', registry!.toLowerCase()]);
    expect(await page.locator('select[name=severity]').inputValue()).toBe('high');
    await page.screenshot({ path: join(SHOTS, 'findings-page-filtered-1000.png') });
  });
});

describe('acr-auditor report file in Chromium', () => {
  for (const width of WIDTHS) {
    it(`works offline at ${width} px: no network request, filters in the page, nothing clipped`, async () => {
      const { services } = site.harness.host;
      const { html } = await renderFindingsReport({ findings: services.findings, portalUrl: 'https://portal.azure.com', clock: () => new Date() }, { source: 'test' });
      const file = join(dirs[0] ?? tmpdir(), `report-${width}.html`);
      writeFileSync(file, html);
      const page = await browserAt(width);
      const requests: string[] = [];
      page.on('request', (r) => {
        if (!r.url().startsWith('file://')) requests.push(r.url());
      });
      await page.goto(`file://${file}`);
      const visible = () => page.locator('details.finding:not([hidden])').count();
      const open = await visible();
      expect(open).toBeGreaterThan(10);
      await page.selectOption('select[name=severity]', 'low');
      await page.click('button[type=submit]');
      await expect.poll(async () => new Set((await dataOf(page, 'details.finding:not([hidden])', ['severity'])).map(([s]) => s))).toEqual(new Set(['low']));
      expect(await page.locator('#shown').textContent()).toBe(String(await visible()));
      await page.click('a.reset');
      await expect.poll(visible).toBe(open);
      await page.screenshot({ path: join(SHOTS, `report-${width}.png`) });
      await page.evaluate(OPEN_ALL);
      expect(await clipped(page)).toEqual([]);
      expect(requests).toEqual([]);
    });
  }
});
