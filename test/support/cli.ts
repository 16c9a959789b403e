/** What the CLI tests share: a clean, isolated environment and an io that captures what the CLI prints. */
import type { CliIo } from '../../cli/main.js';

/**
 * Clears every AUDITOR_* setting and keeps the CLI's findings in memory (its local store, .acr-auditor/,
 * would carry findings between tests and is locked by one process at a time).
 */
export function cliEnvironment(): void {
  for (const k of Object.keys(process.env)) if (k.startsWith('AUDITOR_')) delete process.env[k];
  process.env.AUDITOR_LOCAL_STORE = 'ephemeral';
}

/** An io capturing stdout and stderr lines (not a terminal). */
export function capturedIo(): { value: CliIo; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { value: { out: (s) => out.push(s), err: (s) => err.push(s), isTty: false }, out, err };
}
