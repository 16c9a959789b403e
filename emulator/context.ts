/** What every service handler of the emulator gets: the request, the estate view and the clock. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EstateView } from './state.js';
import type { TokenClaims } from './tokens.js';

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** Lower-case host name without port. */
  host: string;
  view: EstateView;
  /** Key id of the tokens this emulator mints. */
  kid: string;
  /** The data clock (for `ago()`); tokens use the real clock. */
  now: () => Date;
}

export type Authenticated = RequestContext & { claims: TokenClaims };

export const ARM_AUDIENCES = ['https://management.azure.com', 'https://management.core.windows.net'];
export const ACR_AUDIENCE = 'https://containerregistry.azure.net';
export const LOGS_AUDIENCES = ['https://api.loganalytics.io', 'https://api.loganalytics.azure.com'];

export function audienceMatches(aud: string, accepted: readonly string[]): boolean {
  const a = aud.toLowerCase().replace(/\/+$/, '');
  return accepted.some((x) => a === x);
}
