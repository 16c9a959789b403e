/**
 * Escaping of untrusted strings (repository, tag, actor, registry names, evidence values) for the
 * three places they end up: Adaptive Card markdown, HTML email bodies and email headers. PURE.
 *
 * Every function first strips control and bidirectional-override characters, so a crafted value
 * can neither break a line/header nor visually reorder what the reader sees.
 */

// C0/C1 controls (tab and newline are handled per context), bidi embeddings/overrides/isolates,
// zero-width characters, line/paragraph separators, BOM.
// eslint-disable-next-line no-control-regex
const CONTROL_AND_BIDI = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;
const NEWLINES = /[\r\n\t]+/g;

/** Removes control and bidi characters; turns newlines and tabs into one space. */
export function sanitizeText(value: unknown): string {
  const s = typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);
  return s.replace(NEWLINES, ' ').replace(CONTROL_AND_BIDI, '');
}

/** Caps a string at `max` characters (adding an ellipsis), never splitting a surrogate pair. */
export function truncate(s: string, max: number): string {
  const chars = Array.from(s);
  if (chars.length <= max) return s;
  return `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}

/** Markdown characters Adaptive Card TextBlocks / FactSets may interpret. */
const MARKDOWN_SPECIAL = /[\\[\]()*_~`<>#!|{}+\-.:&=@^$%]/g;

/**
 * Escapes an untrusted string for Adaptive Card text (TextBlock, FactSet values): every markdown
 * character is backslash-escaped, `<` and `>` cannot open a tag (so `<at>` mentions are impossible),
 * entity references (`&#60;`) cannot decode into one, and autolinks (`https://`, `www.`, `a@b.c`) are
 * broken because `:`, `.` and `@` are escaped everywhere. CommonMark renders `\.` as `.`.
 */
export function escapeCardText(value: unknown, max = 300): string {
  const s = truncate(sanitizeText(value), max);
  return s.replace(MARKDOWN_SPECIAL, (c) => {
    // `<` and `>` are replaced by look-alikes: no markdown engine treats them as tags, and no
    // Teams parser can turn them into a mention or an HTML element whatever its escaping rules.
    if (c === '<') return '‹';
    if (c === '>') return '›';
    return `\\${c}`;
  });
}

/** Entity-escapes an untrusted string for an HTML text node or a double-quoted attribute. */
export function escapeHtml(value: unknown, max = 2000): string {
  return truncate(sanitizeText(value), max).replace(/[&<>"'`=]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * An untrusted string made safe for an email header value built by us (the Subject): no CR/LF or
 * other control characters, no bidi tricks, collapsed spaces, capped length. Nodemailer then
 * encodes non-ASCII as an RFC 2047 word.
 */
export function headerSafe(value: unknown, max = 80): string {
  return truncate(sanitizeText(value).replace(/\s+/g, ' ').trim(), max);
}

/** An untrusted string for the plain-text body: controls removed, length capped. */
export function plainText(value: unknown, max = 2000): string {
  return truncate(sanitizeText(value), max);
}

/** `scheme://` and `www.` in untrusted text, defanged so that no client turns them into links. */
const LINKISH = /\b([a-z][a-z0-9+.-]{1,15}):\/\/|\bwww\./gi;

/**
 * An untrusted string for an Adaptive Card `TextRun` (inside a `RichTextBlock`): Microsoft's schema
 * says TextRun text is not parsed as markdown, so nothing is escaped (no backslashes, no look-alike
 * characters: what the reader sees is the value). Control and bidi characters are stripped, newlines
 * and tabs become one space, and URLs are defanged (`https[:]//`, `www[.]`) so that no client
 * autolinks them: a card's only links are our own buttons and `selectAction`s.
 */
export function cardRunText(value: unknown, max = 300): string {
  return defang(truncate(sanitizeText(value), max));
}

/** Multi-line untrusted text (a remediation command): lines kept, each as `cardRunText` / `plainText` would clean it. */
export function textLines(value: unknown, maxLines = 40, maxLineChars = 400): string[] {
  const s = typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);
  const lines = s.split(/\r\n|\r|\n/).map((l) => truncate(l.replace(/\t/g, '  ').replace(CONTROL_AND_BIDI, ''), maxLineChars));
  while (lines.length && !lines[lines.length - 1]!.trim()) lines.pop();
  return lines.length > maxLines ? [...lines.slice(0, maxLines), `… and ${lines.length - maxLines} more lines`] : lines;
}

export function defang(s: string): string {
  return s.replace(LINKISH, (m, scheme: string | undefined) => (scheme ? `${scheme}[:]//` : `${m.slice(0, 3)}[.]`));
}

/** Longest URL ever put into a link; a longer one is dropped (a cut URL would point elsewhere). */
export const MAX_URL_CHARS = 2_048;

/** Only http(s) URLs of at most `MAX_URL_CHARS` are ever put into links; anything else becomes undefined. */
export function safeUrl(value: string | undefined): string | undefined {
  if (!value || value.length > MAX_URL_CHARS) return undefined;
  try {
    const u = new URL(value);
    const href = u.toString();
    return (u.protocol === 'https:' || u.protocol === 'http:') && href.length <= MAX_URL_CHARS ? href : undefined;
  } catch {
    return undefined;
  }
}
