/** Lints the rule metadata (Prowler style): the catalog is data, and this test is its schema. */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SEVERITIES } from '../../shared/domain/severity.js';
import { RULE_IDS, RULES, ruleById } from '../../shared/rules/catalog.js';
import { renderRulesMarkdown } from '../../shared/rules/docs.js';
import { ACR_GUIDANCE, FRAMEWORKS, MCSB } from '../../shared/rules/frameworks/index.js';
import type { RuleTarget } from '../../shared/rules/kit.js';

const root = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));

const PREFIX_TARGET: Record<string, RuleTarget> = { registry: 'registry', image: 'image', workload: 'workloadImage', audit: 'scope' };
const GUIDANCE_SECTIONS = ['private-approved-registries', 'approved-images', 'protected-credentials', 'audited-admin-access', 'images-up-to-date', 'audit-coverage'];
/** Rules on registries or images that may go without a Bicep remediation, each with the reason. None today. */
const BICEP_EXEMPT: Record<string, string> = {};

describe('rule catalog', () => {
  it('has unique ids, exposed by RULE_IDS and ruleById', () => {
    expect(new Set(RULE_IDS).size).toBe(RULES.length);
    expect(RULE_IDS).toEqual(RULES.map((r) => r.id));
    for (const r of RULES) expect(ruleById(r.id)).toBe(r);
    expect(ruleById('registry.nope')).toBeUndefined();
  });

  it('keeps the contracted rule ids', () => {
    expect([...RULE_IDS].sort()).toEqual(
      [
        'audit.scope-readable',
        'image.base-approved',
        'image.fresh',
        'image.provenance-labeled',
        'registry.admin-user-disabled',
        'registry.admin-user-unused',
        'registry.anonymous-pull-disabled',
        'registry.approved',
        'registry.audit-logs-enabled',
        'registry.public-network-restricted',
        'workload.image-fresh',
        'workload.image-from-approved-registry',
      ].sort(),
    );
  });

  describe.each(RULES.map((r) => ({ id: r.id, rule: r })))('$id', ({ id, rule }) => {
    it('has an id <target>.<condition> whose prefix matches its target', () => {
      expect(id).toMatch(/^(registry|image|workload|audit)\.[a-z0-9-]+$/);
      expect(rule.target).toBe(PREFIX_TARGET[id.split('.')[0]!]);
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
      expect(GUIDANCE_SECTIONS).toContain(rule.guidance);
      expect(rule.modes.length).toBeGreaterThan(0);
      expect(new Set(rule.modes).size).toBe(rule.modes.length);
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

    it('is mapped to exactly the MCSB controls and guidance section its metadata names', () => {
      const mcsb = MCSB.controls.filter((c) => c.ruleIds.includes(id)).map((c) => c.id);
      expect([...mcsb].sort()).toEqual([...rule.mcsb].sort());
      const guidance = ACR_GUIDANCE.controls.filter((c) => c.ruleIds.includes(id)).map((c) => c.id);
      expect(guidance).toEqual([rule.guidance]);
    });
  });

  it('maps every framework control to existing rules only', () => {
    for (const f of FRAMEWORKS) {
      expect(new Set(f.controls.map((c) => c.id)).size, `${f.id}: duplicate control`).toBe(f.controls.length);
      for (const c of f.controls) {
        expect(c.ruleIds.length, `${f.id} ${c.id} maps no rule`).toBeGreaterThan(0);
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
