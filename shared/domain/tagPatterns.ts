/**
 * Tag patterns (AUDITOR_LOCKED_TAG_PATTERNS, issue 15): a small, regular subset of regular-expression
 * syntax, so that `v?\d+\.\d+\.\d+` (semantic versions) can be written, matched by a Thompson automaton
 * (a set of live states advanced one character at a time, no backtracking): at most
 * (tag length + 1) x (states) steps whatever the pattern, because tags come from the registry and a
 * backtracking engine fed an operator's pattern like `(\d*)*x` takes exponential time on them.
 *
 * Syntax (the whole tag must match, case-sensitively; `^` at the start and `$` at the end are accepted and
 * change nothing):
 * - literal characters of tags: A-Z a-z 0-9 `_` `-`; any other character escaped with `\` (`\.`);
 * - `.` any character, `\d` a digit, `\w` a word character (A-Z a-z 0-9 `_`);
 * - classes `[a-z0-9]`, `[^-]` (ranges, `\d`, `\w`, escapes);
 * - groups `( )` or `(?: )` with alternation `|`;
 * - `?`, `*`, `+` after a character, class or group.
 * Not supported, with a clear error: counted repetition `{m,n}`, lazy or possessive quantifiers,
 * back-references, look-arounds, other escapes (`\b`, `\s`, ...).
 */
import { PatternError } from './patterns.js';

/** Longest pattern accepted; a tag is at most 128 characters (OCI distribution spec), patterns need not be longer. */
export const MAX_TAG_PATTERN_LENGTH = 128;
/** Longest text matched: longer strings are not tags and never match. */
const MAX_TEXT = 256;
const MAX_GROUP_DEPTH = 16;

type Test = (c: number) => boolean;
type Node =
  | { k: 'char'; test: Test }
  | { k: 'seq'; items: Node[] }
  | { k: 'alt'; options: Node[] }
  | { k: 'rep'; node: Node; min: 0 | 1; many: boolean };

const isDigit: Test = (c) => c >= 0x30 && c <= 0x39;
const isWord: Test = (c) => isDigit(c) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
const any: Test = () => true;
/** Characters that may stand for themselves outside a class. */
const PLAIN = /^[A-Za-z0-9_-]$/;
/** Characters that may be escaped with `\` to stand for themselves. */
const ESCAPABLE = new Set('.-_+*?()[]{}|^$\\/:@'.split(''));

class Parser {
  private i = 0;
  private depth = 0;
  constructor(private readonly src: string) {}

  private fail(reason: string): never {
    throw new PatternError(this.src, `${reason} (at character ${this.i + 1})`);
  }

  parse(): Node {
    let body = this.src;
    if (body.startsWith('^')) this.i = 1;
    const end = body.endsWith('$') && !body.endsWith('\\$') ? body.length - 1 : body.length;
    body = body.slice(0, end);
    const node = this.alt(body);
    if (this.i < body.length) this.fail(`unexpected ${JSON.stringify(body[this.i])}`);
    return node;
  }

  private alt(s: string): Node {
    const options = [this.seq(s)];
    while (s[this.i] === '|') {
      this.i++;
      options.push(this.seq(s));
    }
    return options.length === 1 ? options[0]! : { k: 'alt', options };
  }

  private seq(s: string): Node {
    const items: Node[] = [];
    while (this.i < s.length && s[this.i] !== '|' && s[this.i] !== ')') items.push(this.quantified(s));
    return items.length === 1 ? items[0]! : { k: 'seq', items };
  }

  private quantified(s: string): Node {
    const atom = this.atom(s);
    const q = s[this.i];
    if (q === '{') this.fail('counted repetition {m,n} is not supported: repeat the item or use + or *');
    if (q !== '?' && q !== '*' && q !== '+') return atom;
    this.i++;
    const next = s[this.i];
    if (next === '?' || next === '*' || next === '+' || next === '{') this.fail('a quantifier cannot follow a quantifier (no lazy or possessive forms)');
    return { k: 'rep', node: atom, min: q === '+' ? 1 : 0, many: q !== '?' };
  }

  private atom(s: string): Node {
    const c = s[this.i];
    if (c === undefined) this.fail('the pattern ends too early');
    if (c === '(') {
      this.i++;
      if (s.startsWith('?:', this.i)) this.i += 2;
      else if (s[this.i] === '?') this.fail('look-arounds and named groups are not supported');
      if (++this.depth > MAX_GROUP_DEPTH) this.fail(`groups nest deeper than ${MAX_GROUP_DEPTH}`);
      const inner = this.alt(s);
      if (s[this.i] !== ')') this.fail('unbalanced parenthesis: ) expected');
      this.i++;
      this.depth--;
      return inner;
    }
    if (c === '[') return { k: 'char', test: this.cls(s) };
    if (c === '?' || c === '*' || c === '+' || c === '{') this.fail(`nothing to repeat before ${JSON.stringify(c)}`);
    if (c === ')') this.fail('unbalanced parenthesis: ) without (');
    if (c === ']') this.fail('unbalanced bracket: ] without [');
    if (c !== '.' && c !== '\\' && !PLAIN.test(c)) this.fail(ESCAPABLE.has(c) ? `${JSON.stringify(c)} must be escaped (\\${c})` : `${JSON.stringify(c)} is not a tag character`);
    this.i++;
    if (c === '.') return { k: 'char', test: any };
    if (c === '\\') return { k: 'char', test: this.escape(s, false) };
    const code = c.charCodeAt(0);
    return { k: 'char', test: (x) => x === code };
  }

  /** After a backslash: `\d`, `\w`, or an escaped punctuation character. In a class, ranges need the code unit. */
  private escape(s: string, inClass: boolean): Test & { code?: number } {
    const e = s[this.i];
    if (e === undefined) this.fail('the pattern ends with a lone backslash');
    this.i++;
    if (e === 'd') return isDigit;
    if (e === 'w') return isWord;
    if (!ESCAPABLE.has(e)) this.fail(`\\${e} is not supported (only \\d, \\w and escaped punctuation)`);
    const code = e.charCodeAt(0);
    const t: Test & { code?: number } = (x) => x === code;
    if (inClass) t.code = code;
    return t;
  }

  private cls(s: string): Test {
    this.i++; // [
    const negate = s[this.i] === '^';
    if (negate) this.i++;
    const parts: Test[] = [];
    let first = true;
    while (this.i < s.length && (s[this.i] !== ']' || first)) {
      first = false;
      let lo: number | undefined;
      let test: Test;
      const c = s[this.i]!;
      if (c === '\\') {
        this.i++;
        const t = this.escape(s, true);
        test = t;
        lo = t.code;
      } else if (c === '[') {
        this.fail('[ inside a class must be escaped');
      } else {
        this.i++;
        lo = c.charCodeAt(0);
        const code = lo;
        test = (x) => x === code;
      }
      // A range a-z (a `-` first, last or after a range is literal).
      if (lo !== undefined && s[this.i] === '-' && s[this.i + 1] !== undefined && s[this.i + 1] !== ']') {
        this.i++;
        let hi: number | undefined;
        if (s[this.i] === '\\') {
          this.i++;
          hi = this.escape(s, true).code;
        } else hi = s.charCodeAt(this.i++);
        if (hi === undefined) this.fail('a range cannot end with \\d or \\w');
        if (hi < lo) this.fail('a range goes backwards');
        const from = lo;
        const to = hi;
        test = (x) => x >= from && x <= to;
      }
      parts.push(test);
    }
    if (s[this.i] !== ']') this.fail('unbalanced bracket: ] expected');
    this.i++;
    return negate ? (x) => !parts.some((p) => p(x)) : (x) => parts.some((p) => p(x));
  }
}

/** The automaton: state `n` tests a character (`test`) and goes to `out`, or is a split (`test` undefined) to `out` and `alt`. */
interface Automaton {
  test: Array<Test | undefined>;
  out: number[];
  alt: number[];
  start: number;
  /** The accepting state. */
  match: number;
}

function build(node: Node): Automaton {
  const a: Automaton = { test: [], out: [], alt: [], start: 0, match: 0 };
  const state = (test: Test | undefined, out: number, alt = -1): number => {
    a.test.push(test);
    a.out.push(out);
    a.alt.push(alt);
    return a.test.length - 1;
  };
  a.match = state(undefined, -1);
  // Builds `n` so that it continues to state `next`; returns its entry state.
  const compile = (n: Node, next: number): number => {
    switch (n.k) {
      case 'char':
        return state(n.test, next);
      case 'seq':
        return n.items.reduceRight((to, item) => compile(item, to), next);
      case 'alt':
        return n.options.map((o) => compile(o, next)).reduceRight((rest, entry) => state(undefined, entry, rest));
      case 'rep': {
        if (!n.many) return state(undefined, compile(n.node, next), next);
        // A loop: split -> body -> split; `+` enters the body first.
        const loop = state(undefined, -1, next);
        const body = compile(n.node, loop);
        a.out[loop] = body;
        return n.min === 1 ? body : loop;
      }
    }
  };
  a.start = compile(node, a.match);
  return a;
}

/** Whether `text` matches the automaton, advancing every live state at once (no backtracking). */
function run(a: Automaton, text: string): boolean {
  const n = a.test.length;
  const seen = new Int32Array(n).fill(-1);
  let live: number[] = [];
  let gen = 0;
  const add = (list: number[], s: number) => {
    const stack = [s];
    while (stack.length) {
      const x = stack.pop()!;
      if (x < 0 || seen[x] === gen) continue;
      seen[x] = gen;
      if (a.test[x] === undefined && x !== a.match) {
        stack.push(a.alt[x]!, a.out[x]!);
      } else list.push(x);
    }
  };
  add(live, a.start);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const next: number[] = [];
    gen++;
    for (const s of live) {
      const t = a.test[s];
      if (t && t(c)) add(next, a.out[s]!);
    }
    if (!next.length) return false;
    live = next;
  }
  return live.includes(a.match);
}

export interface TagMatcher {
  readonly pattern: string;
  matches(tag: string): boolean;
}

/** Compiles a tag pattern; throws PatternError naming what is wrong and where. */
export function compileTagPattern(pattern: string): TagMatcher {
  if (pattern.length === 0) throw new PatternError(pattern, 'empty pattern');
  if (pattern.length > MAX_TAG_PATTERN_LENGTH) throw new PatternError(pattern.slice(0, 32), `longer than ${MAX_TAG_PATTERN_LENGTH} characters`);
  const automaton = build(new Parser(pattern).parse());
  return { pattern, matches: (tag) => tag.length <= MAX_TEXT && run(automaton, tag) };
}
