/** Links into the findings page (pure: used by cards, emails, the page itself and the CLI). */

import { MAX_LINK_CHARS } from './linkLimits.js';

/**
 * Link to one finding on the findings page: `<AUDITOR_FINDINGS_URL>?id=<findingId>` (an existing query
 * is kept). The one place that builds it: cards, emails and the CLI's outputs all use this helper.
 */
export function findingLink(findingsUrl: string | undefined, findingId: string): string | undefined {
  if (!findingsUrl) return undefined;
  try {
    const u = new URL(findingsUrl);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') return undefined;
    u.searchParams.set('id', findingId);
    const link = u.toString();
    return link.length <= MAX_LINK_CHARS ? link : undefined;
  } catch {
    return undefined;
  }
}
