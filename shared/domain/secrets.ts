/**
 * The plain-text secret heuristic of `workload.no-plaintext-secrets` (issue 14). Pure, linear-time.
 *
 * A variable set with a plain `value` is flagged when
 * - its NAME contains a credential word as a token (split on `_`, `-`, `.` and camelCase): PASSWORD, PASSWD, PWD,
 *   SECRET, TOKEN, APIKEY / API_KEY, ACCESS_KEY, ACCOUNT_KEY, PRIVATE_KEY, CLIENT_SECRET, SAS, CREDENTIAL(S),
 *   CONNECTION_STRING / CONNSTR, or KEY as the last token (STORAGE_KEY; not KEYVAULT_URL, not KEY_ID);
 *   names ending in `_URL`/`_URI`/`_ENDPOINT`/`_NAME`/`_ID`/`_PATH`/`_FILE` are never flagged by name alone; or
 * - its VALUE looks like a credential: a connection string with a key (`AccountKey=`, `SharedAccessKey=`,
 *   `Password=`/`Pwd=`), a SAS token (`sig=` with `sv=` or `se=`), a JWT (three base64url parts, the first
 *   decoding to a JSON header starting `{"`: `eyJ`), a PEM private key, or a URL with a password (`scheme://user:pass@`).
 *
 * The result is a short reason code; the value itself is never returned, stored or logged: the mapper calls
 * this and keeps only the reason.
 */

export type SecretSignal = 'name' | 'connection-string' | 'sas-token' | 'jwt' | 'private-key' | 'url-credentials';

const NAME_WORDS = new Set(['password', 'passwd', 'pwd', 'secret', 'token', 'apikey', 'credential', 'credentials', 'connectionstring', 'connstr', 'sas']);
const NAME_PAIRS = new Set(['api key', 'access key', 'account key', 'private key', 'client secret', 'connection string', 'shared key', 'master key', 'signing key']);
const NEVER_BY_NAME = new Set(['url', 'uri', 'endpoint', 'name', 'id', 'path', 'file', 'host', 'enabled', 'version']);

function tokens(name: string): string[] {
  return name
    .slice(0, 256)
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/** Whether a variable name says it holds a credential. */
export function nameLooksSecret(name: string): boolean {
  const t = tokens(name);
  if (!t.length || NEVER_BY_NAME.has(t[t.length - 1]!)) return false;
  if (t.some((w) => NAME_WORDS.has(w))) return true;
  for (let i = 0; i + 1 < t.length; i++) if (NAME_PAIRS.has(`${t[i]} ${t[i + 1]}`)) return true;
  return t[t.length - 1] === 'key' && t.length > 1;
}

/** What a value looks like, when it looks like a credential (never the value). */
export function valueSecretSignal(value: string): Exclude<SecretSignal, 'name'> | undefined {
  const v = value.slice(0, 8192);
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(v)) return 'private-key';
  if (/(^|;)\s*(accountkey|sharedaccesskey|password|pwd)\s*=\s*[^;\s]/i.test(v)) return 'connection-string';
  if (/(^|[?&])sig=[^&\s]{10,}/i.test(v) && /(^|[?&])(sv|se)=/i.test(v)) return 'sas-token';
  if (/^eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}$/.test(v.trim())) return 'jwt';
  if (/^[a-z][a-z0-9+.-]*:\/\/[^/?#\s:@]+:[^/?#\s@]+@/i.test(v.trim())) return 'url-credentials';
  return undefined;
}

/** The reason a plain (name, value) pair is a secret in plain text, or undefined. */
export function plaintextSecretSignal(name: string, value: string | undefined): SecretSignal | undefined {
  if (value === undefined || value === '') return undefined;
  return valueSecretSignal(value) ?? (nameLooksSecret(name) ? 'name' : undefined);
}
