/** Lints the rule metadata (Prowler style): the catalog is data, and this test is its schema. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SEVERITIES } from '../../shared/domain/severity.js';
import { RULE_IDS, RULES, ruleById } from '../../shared/rules/catalog.js';
import { renderRulesMarkdown } from '../../shared/rules/docs.js';
import { ACR_GUIDANCE, FRAMEWORKS, MCSB } from '../../shared/rules/frameworks/index.js';
import type { Rule, RuleTarget } from '../../shared/rules/kit.js';

const root = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));

const PREFIX_TARGET: Record<string, RuleTarget> = { registry: 'registry', image: 'image', workload: 'workloadImage', audit: 'scope', subscription: 'subscription' };
/** A rule file's name: `<target>.<compliant-condition>.ts` (the kit, the catalog and helpers have no dot in their names). */
const RULE_FILE = /^([a-z]+\.[a-z0-9-]+)\.ts$/;

const isRule = (v: unknown): v is Rule =>
  typeof v === 'object' && v !== null && typeof (v as Rule).id === 'string' && typeof (v as Rule).evaluate === 'function';

/** Every rule exported by a module of shared/rules, with its file's base name. */
async function rulesInFiles(): Promise<Array<{ file: string; rule: Rule }>> {
  const out: Array<{ file: string; rule: Rule }> = [];
  for (const name of readdirSync(root('shared/rules')).filter((n) => n.endsWith('.ts')).sort()) {
    const mod = (await import(/* @vite-ignore */ pathToFileURL(root(`shared/rules/${name}`)).href)) as Record<string, unknown>;
    for (const v of Object.values(mod)) if (isRule(v)) out.push({ file: name.slice(0, -'.ts'.length), rule: v });
  }
  return out;
}
/** Rules on registries or images that may go without a Bicep remediation, each with the reason. */
const BICEP_EXEMPT: Record<string, string> = {
  'image.signed': 'signing is a pipeline step (notation sign) on an image, not an Azure resource property',
  'image.signed-by-approved-signer': 'the signer is the certificate the pipeline signs with, not an Azure resource property',
  'image.attested': 'an SBOM or provenance is a build output attached to an image, not an Azure resource property',
  'image.release-tags-locked': 'a tag lock is a data-plane attribute of the tag (az acr repository update), not an Azure resource property',
};

describe('rule catalog', () => {
  it('has unique ids, exposed by RULE_IDS and ruleById', () => {
    expect(new Set(RULE_IDS).size).toBe(RULES.length);
    expect(RULE_IDS).toEqual(RULES.map((r) => r.id));
    for (const r of RULES) expect(ruleById(r.id)).toBe(r);
    expect(ruleById('registry.nope')).toBeUndefined();
  });

  it('is exactly the rules of shared/rules: every rule file is in the catalog and vice versa, id = file name', async () => {
    const found = await rulesInFiles();
    const ruleFiles = readdirSync(root('shared/rules')).flatMap((n) => RULE_FILE.exec(n)?.[1] ?? []).sort();
    // Every rule exported anywhere in shared/rules lives in its own <id>.ts and is the catalog's.
    for (const { file, rule } of found) {
      expect(file, `${rule.id} is exported by shared/rules/${file}.ts`).toBe(rule.id);
      expect(ruleById(rule.id), `${rule.id} (shared/rules/${file}.ts) is not in RULES (shared/rules/catalog.ts)`).toBe(rule);
    }
    // Every <target>.<condition>.ts file exports a rule, and every catalog rule has its file.
    expect(ruleFiles, 'a shared/rules/<target>.<condition>.ts file that exports no rule').toEqual([...new Set(found.map((f) => f.file))].sort());
    expect([...RULE_IDS].sort(), 'a catalog rule without its shared/rules/<id>.ts').toEqual(ruleFiles);
  });

  it('has a test file test/rules/<id>.test.ts for every rule, and no test file of an unknown rule', () => {
    const tests = readdirSync(root('test/rules')).flatMap((n) => /^([a-z]+\.[a-z0-9-]+)\.test\.ts$/.exec(n)?.[1] ?? []).sort();
    expect(tests).toEqual([...RULE_IDS].sort());
  });

  describe.each(RULES.map((r) => ({ id: r.id, rule: r })))('$id', ({ id, rule }) => {
    it('has an id <target>.<condition> whose prefix matches its target', () => {
      expect(id).toMatch(new RegExp(`^(${Object.keys(PREFIX_TARGET).join('|')})\\.[a-z0-9-]+$`));
      // `workload.*` rules run on a container image (workloadImage) or on the workload's settings (workload, issue 14).
      const prefix = id.split('.')[0]!;
      if (prefix === 'workload') expect(['workloadImage', 'workload']).toContain(rule.target);
      // `registry.*` rules run on the registry or on one of its tokens or cache rules (issue 13), or repositories (issue 15).
      else if (prefix === 'registry') expect(['registry', 'registryToken', 'cacheRule', 'repository']).toContain(rule.target);
      else expect(rule.target).toBe(PREFIX_TARGET[prefix]);
    });

    it('lives in shared/rules/<id>.ts, which exports it', async () => {
      expect(existsSync(root(`shared/rules/${id}.ts`)), `shared/rules/${id}.ts`).toBe(true);
      const mod = (await import(/* @vite-ignore */ pathToFileURL(root(`shared/rules/${id}.ts`)).href)) as Record<string, unknown>;
      expect(Object.values(mod)).toContain(rule);
    });

    it('has a test file test/rules/<id>.test.ts', () => {
      expect(existsSync(root(`test/rules/${id}.test.ts`)), `test/rules/${id}.test.ts`).toBe(true);
    });

    it('states the compliant condition in its title', () => {
      expect(rule.title.trim()).not.toBe('');
      expect(rule.title).not.toMatch(/^\s*ensure\b/i);
      expect(rule.title).not.toMatch(/\.$/);
    });

    it('has a severity, rationale, guidance and modes', () => {
      expect(SEVERITIES).toContain(rule.severity);
      expect(rule.rationale.trim().length).toBeGreaterThan(40);
      expect(rule.modes.length).toBeGreaterThan(0);
      expect(new Set(rule.modes).size).toBe(rule.modes.length);
    });

    it('restricts its push-time results only when it runs at push time', () => {
      if (rule.pushResults === undefined) return;
      expect(['any', 'fail-only']).toContain(rule.pushResults);
      expect(rule.modes, `${id}: pushResults without the push mode`).toContain('push');
    });

    it('has a remediation with a description and an az CLI command', () => {
      expect(rule.remediation.description.trim()).not.toBe('');
      expect(rule.remediation.cli).toMatch(/\baz /);
    });

    it('has a Bicep remediation when it targets a registry or an image (or an explicit reason not to)', () => {
      if (rule.target !== 'registry' && rule.target !== 'image') return;
      if (BICEP_EXEMPT[id]) return;
      expect(rule.remediation.bicep?.trim(), `${id}: add remediation.bicep or a reason in BICEP_EXEMPT`).toMatch(/resource \w+ '/);
    });

    it('cites Microsoft Learn and well-formed MCSB control ids', () => {
      expect(rule.references.length).toBeGreaterThan(0);
      for (const ref of rule.references) expect(ref).toMatch(/^https:\/\/[^\s]+$/);
      expect(rule.references.some((r) => r.startsWith('https://learn.microsoft.com/'))).toBe(true);
      for (const c of rule.mcsb) expect(c).toMatch(/^(NS|IM|PA|DP|AM|LT|IR|PV|ES|BR|DS|GS)-\d{1,2}$/);
    });

    it('names only known MCSB controls and a known guidance section, and is mapped to exactly those', () => {
      for (const c of rule.mcsb) expect(MCSB.controls.map((k) => k.id), `${id}: MCSB control ${c} has no title in frameworks/mcsb.ts`).toContain(c);
      expect(ACR_GUIDANCE.controls.map((k) => k.id), `${id}: unknown guidance section`).toContain(rule.guidance);
      const mcsb = MCSB.controls.filter((c) => c.ruleIds.includes(id)).map((c) => c.id);
      expect([...mcsb].sort()).toEqual([...new Set(rule.mcsb)].sort());
      const guidance = ACR_GUIDANCE.controls.filter((c) => c.ruleIds.includes(id)).map((c) => c.id);
      expect(guidance).toEqual([rule.guidance]);
    });
  });

  it('declares each framework control once, and no control that no rule maps to', () => {
    for (const f of FRAMEWORKS) {
      expect(new Set(f.controls.map((c) => c.id)).size, `${f.id}: duplicate control`).toBe(f.controls.length);
      for (const c of f.controls) {
        expect(c.title.trim(), `${f.id} ${c.id} has no title`).not.toBe('');
        expect(c.ruleIds.length, `${f.id} ${c.id} maps no rule: remove it or map a rule to it`).toBeGreaterThan(0);
        for (const ruleId of c.ruleIds) expect(RULE_IDS, `${f.id} ${c.id} -> ${ruleId}`).toContain(ruleId);
      }
    }
  });

  it('docs/rules.md is up to date', () => {
    const path = root('docs/rules.md');
    const current = existsSync(path) ? readFileSync(path, 'utf8') : '';
    expect(current === renderRulesMarkdown(), 'docs/rules.md is stale: regenerate it with `npm run docs`').toBe(true);
  });
});
