/**
 * Pure: the findings page as one HTML document, server-rendered (no build step, no external fetch).
 * The same document is served by the Function App (filters are a GET form the function applies, pages
 * are links) and written by `acr-auditor report` (mode `file`: every finding is in the file and a small
 * inline script applies the same filters in place, so it works offline and as a CI artifact).
 * Everything from the estate is HTML-escaped; the only links are our own (filters, deep links) and
 * portal links built from encoded ARM id segments. A Content-Security-Policy forbids any fetch.
 */
import { SEVERITIES, type Severity } from '../domain/severity.js';
import { RULES } from '../rules/catalog.js';
import { portalLink } from '../notify/plan.js';
import type { StoredFinding } from './diff.js';
import { queryParams, type FindingsPage, type FindingsQuery } from './query.js';

export interface PageOptions {
  /** `served`: filters and paging by the server; `file`: a self-contained report, filtered in the browser. */
  mode: 'served' | 'file';
  portalUrl: string;
  generatedAt: string;
  /** Where the findings come from, shown in the header (e.g. "Azure Table Storage", ".acr-auditor/"). */
  source?: string;
  /** The signed-in reader, shown in the header (served mode). */
  signedInAs?: string;
}

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export function escapeHtml(s: string): string {
  // Bidi controls and other invisible format characters would reorder what a reader sees: dropped.
  return s.replace(/[\u202a-\u202e\u2066-\u2069\u200e\u200f]/g, '').replace(/[&<>"']/g, (c) => ESC[c]!);
}
const h = escapeHtml;

const RULE_BY_ID = new Map(RULES.map((r) => [r.id, r]));

/** `2026-11-30T02:00:04.123Z` -> `2026-11-30 02:00 UTC`. */
function when(iso: string | undefined): string {
  if (!iso) return '—';
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso);
  return m ? `${m[1]} ${m[2]} UTC` : iso;
}

function text(v: unknown): string {
  if (typeof v === 'string') return v;
  const json = JSON.stringify(v);
  return json === undefined ? String(v) : json;
}

function cut(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max)}… [${s.length - max} more characters]` : s;
}

/** The parts of an ARM id a reader needs: resource group and resource name. */
function armParts(resourceId: string): { resourceGroup?: string; name?: string } {
  const rg = /\/resourceGroups\/([^/]+)/i.exec(resourceId)?.[1];
  const name = resourceId.split('/').filter(Boolean).pop();
  return { ...(rg ? { resourceGroup: rg } : {}), ...(name ? { name } : {}) };
}

const CHANGE_LABEL: Record<string, string> = {
  opened: 'opened', reopened: 'reopened', still_open: 'still open', escalated: 'escalated', resolved: 'resolved',
  suppressed: 'suppressed', still_suppressed: 'still suppressed', unsuppressed: 'no longer suppressed',
};

function findingCard(f: StoredFinding, o: PageOptions, open: boolean): string {
  const rule = RULE_BY_ID.get(f.ruleId);
  const { resourceGroup, name } = armParts(f.resourceId);
  const portal = portalLink(o.portalUrl, f.resourceId);
  const evidence = Object.entries(f.evidence ?? {}).slice(0, 40);
  const history = [...(f.history ?? [])].reverse();
  const facts: Array<[string, string]> = [
    ['Status', f.status + (f.resolution ? ` (${f.resolution})` : '') + (f.suppression ? ` by waiver ${f.suppression.waiverId}: ${f.suppression.reason}` : '')],
    ...(f.subject !== f.resourceId ? [['Subject', f.subject] as [string, string]] : []),
    ...(f.registry ? [['Registry', f.registry] as [string, string]] : []),
    ...(f.subscriptionId ? [['Subscription', f.subscriptionId] as [string, string]] : []),
    ...(resourceGroup ? [['Resource group', resourceGroup] as [string, string]] : []),
    ['Resource', f.resourceId],
    ['First seen', when(f.firstSeen)],
    ['Last seen', when(f.lastSeen)],
    ...(f.resolvedAt ? [['Resolved', when(f.resolvedAt)] as [string, string]] : []),
    ['Finding id', f.id],
  ];
  const attrs = [
    `data-status="${h(f.status)}"`, `data-severity="${h(f.severity)}"`, `data-rule="${h(f.ruleId)}"`,
    `data-subscription="${h((f.subscriptionId ?? '').toLowerCase())}"`, `data-registry="${h((f.registry ?? '').toLowerCase())}"`, `data-id="${h(f.id)}"`,
  ].join(' ');
  return `<details class="finding sev-${h(f.severity)}" id="f-${h(f.id)}" ${attrs}${open ? ' open' : ''}>
<summary><span class="badge sev-${h(f.severity)}">${h(f.severity)}</span> <span class="status">${h(f.status)}</span>
<span class="title">${h(f.title || rule?.title || f.ruleId)}</span>
<span class="where">${h(name ?? f.resourceId)}${f.registry && name !== f.registry ? ` · ${h(f.registry)}` : ''}${resourceGroup ? ` · rg ${h(resourceGroup)}` : ''}</span></summary>
<div class="body">
<p class="message">${h(cut(f.message, 2000))}</p>
<dl class="facts">${facts.map(([k, v]) => `<dt>${h(k)}</dt><dd>${h(cut(v, 1000))}</dd>`).join('')}</dl>
<p class="links">${portal ? `<a href="${h(portal)}" rel="noreferrer noopener" target="_blank">Open in the Azure portal</a> · ` : ''}<a href="?id=${h(encodeURIComponent(f.id))}" class="deeplink">Link to this finding</a> · rule <code>${h(f.ruleId)}</code></p>
<h3>Evidence</h3>
${evidence.length ? `<dl class="evidence">${evidence.map(([k, v]) => `<dt>${h(cut(k, 200))}</dt><dd>${h(cut(text(v), 1500))}</dd>`).join('')}</dl>` : '<p>None recorded.</p>'}
${rule ? `<h3>Remediation</h3>
<p>${h(rule.remediation.description)}</p>
<pre><code>${h(rule.remediation.cli)}</code></pre>${rule.remediation.bicep ? `<details class="bicep"><summary>Bicep</summary><pre><code>${h(rule.remediation.bicep)}</code></pre></details>` : ''}` : ''}
<h3>History</h3>
${history.length ? `<ol class="history">${history.map((e) => `<li><time>${h(when(e.at))}</time> <b>${h(CHANGE_LABEL[e.kind] ?? e.kind)}</b> (${h(e.severity)}) ${h(cut(e.message, 300))}</li>`).join('')}</ol>` : '<p>No transitions recorded.</p>'}
</div>
</details>`;
}

function select(name: string, label: string, values: readonly string[], current: string | undefined, any?: string): string {
  const options = [...(any === undefined ? [] : [`<option value="">${h(any)}</option>`]), ...values.map((v) => `<option value="${h(v)}"${current !== undefined && current.toLowerCase() === v.toLowerCase() ? ' selected' : ''}>${h(v)}</option>`)];
  return `<label>${h(label)}<select name="${h(name)}">${options.join('')}</select></label>`;
}

function filters(page: FindingsPage): string {
  const q = page.query;
  return `<form class="filters" method="get" action="">
${select('status', 'Status', ['open', 'resolved', 'suppressed', 'all'], q.status)}
${select('severity', 'Severity', [...SEVERITIES].reverse(), q.severity, 'any severity')}
${select('rule', 'Rule', page.facets.rules, q.rule, 'any rule')}
${select('subscription', 'Subscription', page.facets.subscriptions, q.subscription, 'any subscription')}
${select('registry', 'Registry', page.facets.registries, q.registry, 'any registry')}
<button type="submit">Filter</button> <a class="reset" href="?">Reset</a>
</form>`;
}

function pager(page: FindingsPage): string {
  if (page.pages <= 1) return '';
  const link = (n: number, label: string) => `<a href="?${h(queryParams({ ...page.query, page: n }).toString())}">${h(label)}</a>`;
  return `<nav class="pager">${page.query.page > 1 ? link(page.query.page - 1, '← Previous') : ''} page ${page.query.page} of ${page.pages} ${page.query.page < page.pages ? link(page.query.page + 1, 'Next →') : ''}</nav>`;
}

const STYLE = `
:root{color-scheme:light;--fg:#1b1b1f;--muted:#5a5a66;--line:#d9d9e0;--bg:#fff;--soft:#f5f6f8}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg);overflow-wrap:anywhere}
header,main{max-width:1100px;margin:0 auto;padding:12px 16px}
header{border-bottom:1px solid var(--line)}
h1{font-size:1.35rem;margin:0 0 4px}
h3{font-size:.95rem;margin:14px 0 4px}
.meta{color:var(--muted);font-size:.85rem;margin:0}
.counts{display:flex;flex-wrap:wrap;gap:6px;margin:10px 0 0;padding:0;list-style:none}
.filters{display:flex;flex-wrap:wrap;gap:8px 12px;align-items:flex-end;margin:12px 0;padding:10px;background:var(--soft);border-radius:8px}
.filters label{display:flex;flex-direction:column;font-size:.8rem;color:var(--muted);min-width:0;flex:1 1 150px;max-width:100%}
.filters select{font:inherit;color:var(--fg);padding:6px;border:1px solid var(--line);border-radius:6px;background:#fff;width:100%;min-width:0}
.filters button{font:inherit;padding:7px 16px;border:0;border-radius:6px;background:#0f5bd6;color:#fff;cursor:pointer}
.finding{border:1px solid var(--line);border-left-width:6px;border-radius:8px;margin:10px 0;background:#fff}
.finding>summary{cursor:pointer;padding:10px 12px;list-style-position:inside}
.finding .title{font-weight:600;display:block;margin-top:4px}
.finding .where{display:block;color:var(--muted);font-size:.85rem}
.body{padding:0 12px 12px}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:.75rem;font-weight:700;text-transform:uppercase;color:#fff}
.status{font-size:.8rem;color:var(--muted);text-transform:uppercase;letter-spacing:.03em}
.sev-critical{border-left-color:#7a0019}.badge.sev-critical{background:#7a0019}
.sev-high{border-left-color:#c4261d}.badge.sev-high{background:#c4261d}
.sev-medium{border-left-color:#b35900}.badge.sev-medium{background:#9a4d00}
.sev-low{border-left-color:#2d6a4f}.badge.sev-low{background:#2d6a4f}
.sev-informational{border-left-color:#5a5a66}.badge.sev-informational{background:#5a5a66}
dl{display:grid;grid-template-columns:minmax(90px,max-content) minmax(0,1fr);gap:2px 12px;margin:6px 0}
dt{color:var(--muted);font-size:.85rem}
dd{margin:0;min-width:0}
pre{background:var(--soft);border:1px solid var(--line);border-radius:6px;padding:8px;white-space:pre-wrap;overflow-wrap:anywhere;font-size:.85rem;margin:6px 0}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.history{margin:4px 0;padding-left:20px}
.history time{color:var(--muted);font-size:.85rem}
.pager{margin:16px 0;display:flex;gap:12px;flex-wrap:wrap}
.empty{padding:24px;text-align:center;color:var(--muted)}
@media (max-width:520px){body{font-size:14px}dl{grid-template-columns:minmax(0,1fr)}dd{margin-bottom:6px}header,main{padding:10px}}
`;

/** The filter script of the report file: the same filters as the server, applied to the rows in the file. */
const FILE_SCRIPT = `
(function(){
  var form=document.querySelector('form.filters');var cards=[].slice.call(document.querySelectorAll('details.finding'));
  var shown=document.getElementById('shown');var empty=document.getElementById('empty');
  function apply(params){
    var n=0;var status=params.get('status')||'open';var id=params.get('id')||'';
    if(id&&!params.get('status'))status='all';
    cards.forEach(function(c){var d=c.dataset;
      var ok=(!id||d.id===id)&&(status==='all'||d.status===status)
        &&(!params.get('severity')||d.severity===params.get('severity'))
        &&(!params.get('rule')||d.rule===params.get('rule'))
        &&(!params.get('subscription')||d.subscription===params.get('subscription').toLowerCase())
        &&(!params.get('registry')||d.registry===params.get('registry').toLowerCase());
      c.hidden=!ok;if(ok)n++;if(id&&ok)c.open=true;});
    shown.textContent=String(n);empty.hidden=n>0;
    [].slice.call(form.elements).forEach(function(el){if(el.name&&params.has(el.name))el.value=params.get(el.name)||'';});
  }
  form.addEventListener('submit',function(e){e.preventDefault();var p=new URLSearchParams();
    [].slice.call(form.elements).forEach(function(el){if(el.name&&el.value)p.set(el.name,el.value);});
    history.replaceState(null,'','?'+p.toString());apply(p);});
  form.querySelector('a.reset').addEventListener('click',function(e){e.preventDefault();form.reset();history.replaceState(null,'','?');apply(new URLSearchParams());});
  apply(new URLSearchParams(location.search));
})();`;

/** The findings page (served) or the report (file) as one HTML document. */
export function renderFindingsPage(page: FindingsPage, o: PageOptions): string {
  const q: FindingsQuery = page.query;
  const csp = o.mode === 'file'
    ? "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; form-action 'none'; base-uri 'none'"
    : "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
  const counts = [...SEVERITIES].reverse().filter((s) => page.bySeverity[s as Severity]).map((s) => `<li class="badge sev-${s}">${page.bySeverity[s as Severity]} ${s}</li>`).join('');
  const cards = page.items.map((f) => findingCard(f, o, q.id === f.id)).join('\n');
  const showing = o.mode === 'file' ? `<span id="shown">${page.total}</span> shown` : `${page.total} matching${page.pages > 1 ? `, page ${q.page} of ${page.pages}` : ''}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="referrer" content="no-referrer">
<title>ACR findings</title>
<style>${STYLE}</style></head>
<body>
<header><h1>Container registry findings</h1>
<p class="meta">Generated ${h(when(o.generatedAt))}${o.source ? ` from ${h(o.source)}` : ''}${o.signedInAs ? ` · signed in as ${h(o.signedInAs)}` : ''} · ${showing}</p>
${counts ? `<ul class="counts">${counts}</ul>` : ''}</header>
<main>
${filters(page)}
${cards}
<p class="empty" id="empty"${page.items.length ? ' hidden' : ''}>No findings match these filters.</p>
${o.mode === 'served' ? pager(page) : ''}
</main>
${o.mode === 'file' ? `<script>${FILE_SCRIPT}</script>` : ''}
</body></html>
`;
}

/** A short page for a refused request (sign-in missing, role missing, bad query). */
export function renderMessagePage(title: string, message: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${h(title)}</title><style>${STYLE}</style></head>
<body><header><h1>${h(title)}</h1></header><main><p>${h(message)}</p></main></body></html>
`;
}
