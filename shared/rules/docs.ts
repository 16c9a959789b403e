/** Renders the rule catalog as Markdown (docs/rules.md). Pure and deterministic: same catalog, same text. */
import { RULES } from './catalog.js';
import { ACR_GUIDANCE, FRAMEWORKS, MCSB, controlsForRule } from './frameworks/index.js';
import { profileOf, type Rule } from './kit.js';

const TARGET_NAMES: Record<Rule['target'], string> = {
  registry: 'registry',
  image: 'image (manifest)',
  workloadImage: 'workload container image',
  workload: 'workload (settings)',
  scope: 'audit scope (gap)',
  subscription: 'subscription',
  registryToken: 'registry token',
  cacheRule: 'registry cache rule',
  repository: 'repository',
};

/** Escapes text for a Markdown table cell. */
function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function anchor(id: string): string {
  return id.toLowerCase().replace(/[^a-z0-9 -]/g, '').replace(/ /g, '-');
}

function ruleSection(rule: Rule): string {
  const guidance = controlsForRule(ACR_GUIDANCE, rule.id).map((c) => `${c.title} (\`${c.id}\`)`);
  const mcsb = controlsForRule(MCSB, rule.id).map((c) => `${c.id} ${c.title}`);
  const lines = [
    `### \`${rule.id}\``,
    '',
    `**${rule.title}**`,
    '',
    `| | |`,
    `|---|---|`,
    `| Target | ${TARGET_NAMES[rule.target]} |`,
    `| Severity | ${rule.severity} |`,
    `| Modes | ${rule.modes.join(', ')} |`,
    `| Profile | ${profileOf(rule)} |`,
    `| Guidance | ${cell(guidance.length ? guidance.join('; ') : rule.guidance)} |`,
    `| MCSB | ${cell(mcsb.length ? mcsb.join('; ') : rule.mcsb.join(', ') || '—')} |`,
    '',
    `**Rationale.** ${rule.rationale}`,
    '',
    `**Remediation.** ${rule.remediation.description}`,
    '',
    '```sh',
    rule.remediation.cli,
    '```',
    '',
  ];
  if (rule.remediation.bicep) lines.push('```bicep', rule.remediation.bicep, '```', '');
  if (rule.references.length) {
    lines.push('**References.**', '', ...rule.references.map((r) => `- <${r}>`), '');
  }
  return lines.join('\n');
}

export function renderRulesMarkdown(rules: readonly Rule[] = RULES): string {
  const out = [
    '# Compliance rules',
    '',
    '<!-- Generated from shared/rules (renderRulesMarkdown in shared/rules/docs.ts): do not edit. Regenerate with `npm run docs`. -->',
    '',
    `${rules.length} rules. A rule answers pass, fail, not applicable (conclusive, or inconclusive when the data was not ` +
      'collected: such a result never resolves a finding) or error (the rule threw: never a pass).',
    '',
    'A rule runs when its profile is on: `baseline` rules always, `strict` rules with `AUDITOR_PROFILE=strict`; ' +
      '`AUDITOR_RULES_ENABLED` adds rules and `AUDITOR_RULES_DISABLED` removes them (rule ids or globs). A disabled rule ' +
      'evaluates and resolves nothing: its open findings are kept as suppressed ("rule disabled").',
    '',
    '| Rule | Title | Target | Severity | Modes | Profile | MCSB |',
    '|---|---|---|---|---|---|---|',
    ...rules.map(
      (r) =>
        `| [\`${r.id}\`](#${anchor(r.id)}) | ${cell(r.title)} | ${TARGET_NAMES[r.target]} | ${r.severity} | ${r.modes.join(', ')} | ${profileOf(r)} | ${r.mcsb.join(', ') || '—'} |`,
    ),
    '',
    '## Rules',
    '',
    ...rules.map(ruleSection),
    '## Compliance mapping',
    '',
  ];
  for (const f of FRAMEWORKS) {
    out.push(`### ${f.name} (${f.version})`, '', `<${f.url}>`, '', '| Control | Title | Rules |', '|---|---|---|');
    for (const c of f.controls) {
      out.push(`| ${c.id} | ${cell(c.title)} | ${c.ruleIds.map((id) => `\`${id}\``).join(', ')} |`);
    }
    out.push('');
  }
  return out.join('\n');
}
