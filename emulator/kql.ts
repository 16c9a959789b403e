/**
 * A deliberately small KQL interpreter: exactly the shapes the auditor sends
 * (shared/inventory/queries.ts) and nothing more. Anything else is a KqlError naming the
 * unsupported part, which the emulator answers with 400 like the real services do for bad queries.
 *
 * Supported: `<table> | where <expr> | project a, b = expr | order by <expr> [asc|desc], ... |
 * summarize A = count(), B = min(x), C = max(x), D = make_set(x, n) [by col, ...]` (group-by columns come first in
 * the output, and no input row gives no output row, as in Kusto: learn.microsoft.com/kusto/query/summarize-operator);
 * expressions with
 * `and`, `or`, `==`, `!=`, `=~`, `!~`, `<`, `<=`, `>`, `>=`, `in`, `in~`, `!in`, `!in~`, `contains`
 * (case-insensitive substring, as KQL defines it: learn.microsoft.com/kusto/query/contains-operator; used in
 * Microsoft's Resource Graph starter queries, e.g. `where type contains 'publicIPAddresses'`),
 * member access `a.b['c']`, string/number/bool/timespan literals and the functions
 * tolower, toupper, tostring, isnull, isnotnull, isempty, isnotempty, ago, now.
 */

export class KqlError extends Error {
  override name = 'KqlError';
  constructor(message: string, readonly code: 'UnsupportedQuery' | 'ParserFailure' | 'UnknownColumn' | 'UnknownTable' = 'UnsupportedQuery') {
    super(message);
  }
}

type Token =
  | { t: 'id'; v: string; at: number }
  | { t: 'str'; v: string; at: number }
  | { t: 'num'; v: number; at: number }
  | { t: 'span'; v: number; raw: string; at: number }
  | { t: 'op'; v: string; at: number };

const SPAN_UNITS: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1, ticks: 0.0001 };

export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) { i++; continue; }
    if (c === '/' && text[i + 1] === '/') { while (i < text.length && text[i] !== '\n') i++; continue; }
    const at = i;
    if (c === "'" || c === '"') {
      let v = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new KqlError(`unterminated string literal at position ${at}`, 'ParserFailure');
        const ch = text[i]!;
        if (ch === '\\') {
          const n = text[i + 1];
          const map: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', n: '\n', t: '\t', r: '\r' };
          if (n === undefined || map[n] === undefined) throw new KqlError(`unsupported escape in string literal at position ${i}`, 'ParserFailure');
          v += map[n];
          i += 2;
          continue;
        }
        if (ch === c) { i++; break; }
        v += ch;
        i++;
      }
      out.push({ t: 'str', v, at });
      continue;
    }
    if (/[0-9]/.test(c)) {
      const m = /^([0-9]+(?:\.[0-9]+)?)(ms|ticks|d|h|m|s)?(?![A-Za-z0-9_])/.exec(text.slice(i));
      if (!m) throw new KqlError(`unsupported literal at position ${i}: ${JSON.stringify(text.slice(i, i + 12))}`, 'ParserFailure');
      const n = Number(m[1]);
      if (m[2]) out.push({ t: 'span', v: n * SPAN_UNITS[m[2]]!, raw: m[0], at });
      else out.push({ t: 'num', v: n, at });
      i += m[0].length;
      continue;
    }
    if (/[A-Za-z_$]/.test(c)) {
      const m = /^[A-Za-z_$][A-Za-z0-9_$]*/.exec(text.slice(i))!;
      i += m[0].length;
      if (m[0] === 'in' && text[i] === '~') { out.push({ t: 'op', v: 'in~', at }); i++; continue; }
      out.push({ t: 'id', v: m[0], at });
      continue;
    }
    const three = text.slice(i, i + 4);
    if (three === '!in~') { out.push({ t: 'op', v: '!in~', at }); i += 4; continue; }
    if (text.slice(i, i + 3) === '!in' && !/[A-Za-z0-9_]/.test(text[i + 3] ?? '')) { out.push({ t: 'op', v: '!in', at }); i += 3; continue; }
    const two = text.slice(i, i + 2);
    if (['==', '!=', '=~', '!~', '<=', '>='].includes(two)) { out.push({ t: 'op', v: two, at }); i += 2; continue; }
    if ('|(),.[]=<>'.includes(c)) { out.push({ t: 'op', v: c, at }); i++; continue; }
    throw new KqlError(`unsupported character ${JSON.stringify(c)} at position ${i}`, 'ParserFailure');
  }
  return out;
}

export type Expr =
  | { k: 'lit'; v: unknown }
  | { k: 'span'; ms: number }
  | { k: 'col'; name: string }
  | { k: 'member'; obj: Expr; key: string }
  | { k: 'call'; fn: string; args: Expr[] }
  | { k: 'bin'; op: string; l: Expr; r: Expr }
  | { k: 'in'; op: string; l: Expr; list: Expr[] };

export type Operator =
  | { op: 'where'; expr: Expr }
  | { op: 'project'; items: { name: string; expr: Expr }[] }
  | { op: 'order'; keys: { expr: Expr; desc: boolean }[] }
  | { op: 'summarize'; aggs: { name: string; fn: string; args: Expr[] }[]; by?: string[] };

export interface Query {
  table: string;
  ops: Operator[];
}

const SCALAR_FUNCTIONS = new Set(['tolower', 'toupper', 'tostring', 'isnull', 'isnotnull', 'isempty', 'isnotempty', 'ago', 'now']);
const AGGREGATES = new Set(['count', 'min', 'max', 'make_set']);
const COMPARISONS = new Set(['==', '!=', '=~', '!~', '<', '<=', '>', '>=']);

class Parser {
  private i = 0;
  constructor(private readonly toks: Token[], private readonly text: string) {}

  private peek(): Token | undefined { return this.toks[this.i]; }
  private next(): Token {
    const t = this.toks[this.i++];
    if (!t) throw new KqlError('unexpected end of query', 'ParserFailure');
    return t;
  }
  private isOp(v: string): boolean { const t = this.peek(); return t?.t === 'op' && t.v === v; }
  private isId(v: string): boolean { const t = this.peek(); return t?.t === 'id' && t.v === v; }
  private expectOp(v: string): void {
    const t = this.next();
    if (t.t !== 'op' || t.v !== v) throw new KqlError(`expected '${v}' at position ${t.at}: ${this.near(t)}`, 'ParserFailure');
  }
  private near(t: Token): string { return JSON.stringify(this.text.slice(t.at, t.at + 30)); }
  private ident(): string {
    const t = this.next();
    if (t.t !== 'id') throw new KqlError(`expected a name at position ${t.at}: ${this.near(t)}`, 'ParserFailure');
    return t.v;
  }

  query(): Query {
    const table = this.ident();
    const ops: Operator[] = [];
    while (this.peek()) {
      this.expectOp('|');
      ops.push(this.operator());
    }
    return { table, ops };
  }

  private operator(): Operator {
    const t = this.next();
    if (t.t !== 'id') throw new KqlError(`expected an operator at position ${t.at}: ${this.near(t)}`, 'ParserFailure');
    switch (t.v) {
      case 'where':
        return { op: 'where', expr: this.expr() };
      case 'project': {
        const items: { name: string; expr: Expr }[] = [];
        do {
          const name = this.ident();
          if (this.isOp('=')) { this.next(); items.push({ name, expr: this.expr() }); } else items.push({ name, expr: { k: 'col', name } });
        } while (this.isOp(',') && this.next());
        return { op: 'project', items };
      }
      case 'order':
      case 'sort': {
        if (!this.isId('by')) throw new KqlError(`expected 'by' after '${t.v}'`, 'ParserFailure');
        this.next();
        const keys: { expr: Expr; desc: boolean }[] = [];
        do {
          const expr = this.expr();
          let desc = true; // KQL's default order is descending
          if (this.isId('asc')) { this.next(); desc = false; } else if (this.isId('desc')) { this.next(); }
          if (this.isId('nulls')) throw new KqlError("unsupported: 'nulls first|last' in order by");
          keys.push({ expr, desc });
        } while (this.isOp(',') && this.next());
        return { op: 'order', keys };
      }
      case 'summarize': {
        const aggs: { name: string; fn: string; args: Expr[] }[] = [];
        do {
          const name = this.ident();
          this.expectOp('=');
          const fn = this.ident();
          if (!AGGREGATES.has(fn)) throw new KqlError(`unsupported aggregation function '${fn}' (supported: ${[...AGGREGATES].join(', ')})`);
          this.expectOp('(');
          const args: Expr[] = [];
          if (!this.isOp(')')) {
            do args.push(this.expr()); while (this.isOp(',') && this.next());
          }
          this.expectOp(')');
          aggs.push({ name, fn, args });
        } while (this.isOp(',') && this.next());
        if (this.isId('by')) {
          this.next();
          // Group-by keys: plain column names only (`by bin(...)`, `by x = expr` are not needed by the auditor).
          const by: string[] = [];
          do {
            by.push(this.ident());
            if (this.isOp('=') || this.isOp('(') || this.isOp('.') || this.isOp('[')) throw new KqlError("unsupported: 'summarize ... by' with an expression (only column names)");
          } while (this.isOp(',') && this.next());
          return { op: 'summarize', aggs, by };
        }
        return { op: 'summarize', aggs };
      }
      default:
        throw new KqlError(`unsupported operator '${t.v}' (supported: where, project, order by, sort by, summarize)`);
    }
  }

  expr(): Expr { return this.or(); }
  private or(): Expr {
    let l = this.and();
    while (this.isId('or')) { this.next(); l = { k: 'bin', op: 'or', l, r: this.and() }; }
    return l;
  }
  private and(): Expr {
    let l = this.cmp();
    while (this.isId('and')) { this.next(); l = { k: 'bin', op: 'and', l, r: this.cmp() }; }
    return l;
  }
  private cmp(): Expr {
    const l = this.primary();
    const t = this.peek();
    if (t?.t === 'op' && COMPARISONS.has(t.v)) { this.next(); return { k: 'bin', op: t.v, l, r: this.primary() }; }
    if (t?.t === 'id' && t.v === 'contains') { this.next(); return { k: 'bin', op: 'contains', l, r: this.primary() }; }
    if ((t?.t === 'op' && ['in~', '!in', '!in~'].includes(t.v)) || (t?.t === 'id' && t.v === 'in')) {
      this.next();
      this.expectOp('(');
      const list: Expr[] = [];
      if (!this.isOp(')')) do list.push(this.primary()); while (this.isOp(',') && this.next());
      this.expectOp(')');
      return { k: 'in', op: t.v, l, list };
    }
    if (t?.t === 'id' && !['and', 'or', 'asc', 'desc', 'by'].includes(t.v)) {
      throw new KqlError(`unsupported operator '${t.v}' in expression`);
    }
    if (t?.t === 'op' && t.v === '=') throw new KqlError(`unsupported '=' at position ${t.at} (use '==')`, 'ParserFailure');
    return l;
  }
  private primary(): Expr {
    const t = this.next();
    let e: Expr;
    if (t.t === 'str') e = { k: 'lit', v: t.v };
    else if (t.t === 'num') e = { k: 'lit', v: t.v };
    else if (t.t === 'span') e = { k: 'span', ms: t.v };
    else if (t.t === 'op' && t.v === '(') { e = this.expr(); this.expectOp(')'); }
    else if (t.t === 'id') {
      if (t.v === 'true' || t.v === 'false') e = { k: 'lit', v: t.v === 'true' };
      else if (t.v === 'null') e = { k: 'lit', v: null };
      else if (this.isOp('(')) {
        if (!SCALAR_FUNCTIONS.has(t.v)) throw new KqlError(`unsupported function '${t.v}' (supported: ${[...SCALAR_FUNCTIONS].join(', ')})`);
        this.next();
        const args: Expr[] = [];
        if (!this.isOp(')')) do args.push(this.expr()); while (this.isOp(',') && this.next());
        this.expectOp(')');
        e = { k: 'call', fn: t.v, args };
      } else e = { k: 'col', name: t.v };
    } else throw new KqlError(`unexpected ${JSON.stringify(t.t === 'op' ? t.v : '')} at position ${t.at}: ${this.near(t)}`, 'ParserFailure');
    for (;;) {
      if (this.isOp('.')) { this.next(); e = { k: 'member', obj: e, key: this.ident() }; continue; }
      if (this.isOp('[')) {
        this.next();
        const k = this.next();
        if (k.t !== 'str' && k.t !== 'num') throw new KqlError(`unsupported index at position ${k.at}`, 'ParserFailure');
        this.expectOp(']');
        e = { k: 'member', obj: e, key: String(k.v) };
        continue;
      }
      return e;
    }
  }
}

export function parseQuery(text: string): Query {
  return new Parser(tokenize(text), text).query();
}

export interface EvalContext {
  now: Date;
}

type Row = Record<string, unknown>;

function toMs(v: unknown): number | undefined {
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'string') { const n = Date.parse(v); return Number.isNaN(n) ? undefined : n; }
  if (typeof v === 'number') return v;
  return undefined;
}

export function kqlToString(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function equal(a: unknown, b: unknown, ci: boolean): boolean {
  if (a === null || a === undefined || b === null || b === undefined) return false;
  if (a instanceof Date || b instanceof Date) return toMs(a) === toMs(b);
  if (typeof a === 'number' && typeof b === 'number') return a === b;
  if (typeof a === 'boolean' || typeof b === 'boolean') return String(a).toLowerCase() === String(b).toLowerCase();
  const sa = kqlToString(a);
  const sb = kqlToString(b);
  return ci ? sa.toLowerCase() === sb.toLowerCase() : sa === sb;
}

/** Ordinal comparison; null/undefined sort first. Dates and ISO strings compare as instants when both parse. */
export function compareValues(a: unknown, b: unknown): number {
  const an = a === null || a === undefined;
  const bn = b === null || b === undefined;
  if (an || bn) return an && bn ? 0 : an ? -1 : 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (a instanceof Date || b instanceof Date) return (toMs(a) ?? 0) - (toMs(b) ?? 0);
  const sa = kqlToString(a);
  const sb = kqlToString(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

export function evaluate(e: Expr, row: Row, ctx: EvalContext): unknown {
  switch (e.k) {
    case 'lit': return e.v;
    case 'span': return e.ms;
    case 'col': return row[e.name];
    case 'member': {
      const o = evaluate(e.obj, row, ctx);
      if (o === null || typeof o !== 'object') return undefined;
      return (o as Record<string, unknown>)[e.key];
    }
    case 'call': {
      const args = e.args.map((a) => evaluate(a, row, ctx));
      const arity = (n: number): void => { if (args.length !== n) throw new KqlError(`${e.fn}() takes ${n} argument${n === 1 ? '' : 's'}`, 'ParserFailure'); };
      switch (e.fn) {
        case 'tolower': arity(1); return args[0] === null || args[0] === undefined ? args[0] : kqlToString(args[0]).toLowerCase();
        case 'toupper': arity(1); return args[0] === null || args[0] === undefined ? args[0] : kqlToString(args[0]).toUpperCase();
        case 'tostring': arity(1); return kqlToString(args[0]);
        case 'isnull': arity(1); return args[0] === null || args[0] === undefined;
        case 'isnotnull': arity(1); return !(args[0] === null || args[0] === undefined);
        case 'isempty': arity(1); return args[0] === null || args[0] === undefined || args[0] === '';
        case 'isnotempty': arity(1); return !(args[0] === null || args[0] === undefined || args[0] === '');
        case 'now': arity(0); return ctx.now;
        case 'ago': {
          arity(1);
          if (e.args[0]?.k !== 'span') throw new KqlError('ago() takes a timespan literal such as 30d', 'ParserFailure');
          return new Date(ctx.now.getTime() - (args[0] as number));
        }
        default: throw new KqlError(`unsupported function '${e.fn}'`);
      }
    }
    case 'bin': {
      if (e.op === 'and') return evaluate(e.l, row, ctx) === true && evaluate(e.r, row, ctx) === true;
      if (e.op === 'or') return evaluate(e.l, row, ctx) === true || evaluate(e.r, row, ctx) === true;
      const l = evaluate(e.l, row, ctx);
      const r = evaluate(e.r, row, ctx);
      switch (e.op) {
        case '==': return equal(l, r, false);
        case '!=': return !equal(l, r, false) && l !== null && l !== undefined;
        case '=~': return equal(l, r, true);
        case '!~': return !equal(l, r, true);
        case 'contains': return kqlToString(l).toLowerCase().includes(kqlToString(r).toLowerCase());
        default: {
          if (l === null || l === undefined || r === null || r === undefined) return false;
          let c: number;
          if (l instanceof Date || r instanceof Date) {
            const lm = toMs(l); const rm = toMs(r);
            if (lm === undefined || rm === undefined) return false;
            c = lm - rm;
          } else c = compareValues(l, r);
          return e.op === '<' ? c < 0 : e.op === '<=' ? c <= 0 : e.op === '>' ? c > 0 : c >= 0;
        }
      }
    }
    case 'in': {
      const l = evaluate(e.l, row, ctx);
      const ci = e.op.endsWith('~');
      const hit = e.list.some((x) => equal(l, evaluate(x, row, ctx), ci));
      return e.op.startsWith('!') ? !hit : hit;
    }
  }
}

/** Names of the columns an expression reads (top-level columns only). */
function columnsOf(e: Expr, out: Set<string>): Set<string> {
  switch (e.k) {
    case 'col': out.add(e.name); break;
    case 'member': columnsOf(e.obj, out); break;
    case 'call': e.args.forEach((a) => columnsOf(a, out)); break;
    case 'bin': columnsOf(e.l, out); columnsOf(e.r, out); break;
    case 'in': columnsOf(e.l, out); e.list.forEach((a) => columnsOf(a, out)); break;
    default: break;
  }
  return out;
}

export interface QueryResult {
  /** Output column names in order (the schema after the last project/summarize). */
  columns: string[];
  rows: Row[];
}

/**
 * Runs a parsed query over rows. `schema` is the column list of the source table: a column the
 * query names that is not in the schema is an error, as in Kusto.
 */
export function runQuery(q: Query, source: Iterable<Row>, schema: readonly string[], ctx: EvalContext): QueryResult {
  let columns = [...schema];
  const check = (e: Expr, where: string): void => {
    for (const c of columnsOf(e, new Set())) {
      if (!columns.includes(c)) throw new KqlError(`${where}: failed to resolve column or scalar expression named '${c}'`, 'UnknownColumn');
    }
  };
  // Validate the whole pipeline before touching data.
  for (const op of q.ops) {
    if (op.op === 'where') check(op.expr, 'where');
    else if (op.op === 'order') op.keys.forEach((k) => check(k.expr, 'order by'));
    else if (op.op === 'project') { op.items.forEach((it) => check(it.expr, 'project')); columns = op.items.map((it) => it.name); }
    else {
      op.aggs.forEach((a) => a.args.forEach((x, i) => { if (!(a.fn === 'make_set' && i === 1)) check(x, 'summarize'); }));
      (op.by ?? []).forEach((b) => check({ k: 'col', name: b }, 'summarize by'));
      columns = [...(op.by ?? []), ...op.aggs.map((a) => a.name)];
    }
  }
  let rows: Row[] | Iterable<Row> = source;
  for (const op of q.ops) {
    if (op.op === 'where') {
      const out: Row[] = [];
      for (const r of rows) if (evaluate(op.expr, r, ctx) === true) out.push(r);
      rows = out;
    } else if (op.op === 'project') {
      const out: Row[] = [];
      for (const r of rows) {
        const o: Row = {};
        for (const it of op.items) { const v = evaluate(it.expr, r, ctx); o[it.name] = v === undefined ? null : v; }
        out.push(o);
      }
      rows = out;
    } else if (op.op === 'order') {
      const keyed: { r: Row; k: unknown[] }[] = [...rows].map((r: Row) => ({ r, k: op.keys.map((k) => evaluate(k.expr, r, ctx)) }));
      keyed.sort((a, b) => {
        for (let i = 0; i < op.keys.length; i++) {
          const c = compareValues(a.k[i], b.k[i]);
          if (c !== 0) return op.keys[i]!.desc ? -c : c;
        }
        return 0;
      });
      rows = keyed.map((x) => x.r);
    } else {
      const all = [...rows];
      if (op.by?.length) {
        const by = op.by;
        const groups = new Map<string, Row[]>();
        for (const r of all) {
          const key = JSON.stringify(by.map((b) => kqlToString(r[b])));
          const g = groups.get(key);
          if (g) g.push(r);
          else groups.set(key, [r]);
        }
        rows = [...groups.values()].map((g) => {
          const o: Row = {};
          for (const b of by) o[b] = g[0]![b] === undefined ? null : g[0]![b];
          for (const a of op.aggs) o[a.name] = aggregate(a.fn, a.args, g, ctx);
          return o;
        });
      } else {
        const o: Row = {};
        for (const a of op.aggs) o[a.name] = aggregate(a.fn, a.args, all, ctx);
        rows = [o];
      }
    }
  }
  return { columns, rows: Array.isArray(rows) ? rows : [...rows] };
}

function aggregate(fn: string, args: Expr[], rows: Row[], ctx: EvalContext): unknown {
  switch (fn) {
    case 'count':
      if (args.length) throw new KqlError('count() takes no arguments', 'ParserFailure');
      return rows.length;
    case 'min':
    case 'max': {
      if (args.length !== 1) throw new KqlError(`${fn}() takes 1 argument`, 'ParserFailure');
      let best: unknown = null;
      for (const r of rows) {
        const v = evaluate(args[0]!, r, ctx);
        if (v === null || v === undefined) continue;
        if (best === null) { best = v; continue; }
        const c = compareValues(v, best);
        if (fn === 'min' ? c < 0 : c > 0) best = v;
      }
      return best;
    }
    case 'make_set': {
      if (args.length < 1 || args.length > 2) throw new KqlError('make_set() takes 1 or 2 arguments', 'ParserFailure');
      let max = 1_048_576;
      if (args[1]) {
        if (args[1].k !== 'lit' || typeof args[1].v !== 'number') throw new KqlError('make_set() size must be a number literal', 'ParserFailure');
        max = args[1].v;
      }
      const set = new Map<string, unknown>();
      for (const r of rows) {
        if (set.size >= max) break;
        const v = evaluate(args[0]!, r, ctx);
        if (v === null || v === undefined || v === '') continue;
        const key = JSON.stringify(v);
        if (!set.has(key)) set.set(key, v);
      }
      return [...set.values()];
    }
    default:
      throw new KqlError(`unsupported aggregation function '${fn}'`);
  }
}
