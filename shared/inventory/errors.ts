/** Classifies Azure SDK errors into what the audit does with them (a gap, a retry, a failure). */
import { isRestError, RestError } from '@azure/core-rest-pipeline';
import { isObj, type Obj } from './connection.js';
import type { Gap } from '../domain/snapshots.js';

export type AzureErrorKind = 'forbidden' | 'not_found' | 'throttled' | 'transient' | 'invalid' | 'other';

export interface ClassifiedError {
  kind: AzureErrorKind;
  status?: number;
  /** One line, no secrets: the service's error code and message, trimmed. */
  reason: string;
  /** The service's error code (ResourceNotFound, AuthorizationFailed, MANIFEST_UNKNOWN, ...), when it gave one. */
  code?: string;
}

/**
 * Whether an error proves the thing is gone: a 404 that says the resource (or its resource group, or a
 * registry repository or manifest) does not exist. `SubscriptionNotFound` is not such proof: ARM also
 * answers it for a subscription outside the caller's tenant, so the subscription may exist unseen.
 */
export function isConfirmedDeletion(c: ClassifiedError): boolean {
  return c.kind === 'not_found' && !/SubscriptionNotFound/i.test(`${c.code ?? ''} ${c.reason}`);
}

export function classifyAzureError(e: unknown): ClassifiedError {
  if (isRestError(e)) {
    const status = e.statusCode;
    const code = (e.code ?? '').toString();
    const message = (e.message ?? '').split('\n')[0]!.slice(0, 300);
    const reason = `${status ?? 'no status'}${code ? ` ${code}` : ''}: ${message}`;
    if (status === 401 || status === 403) return { kind: 'forbidden', status, reason, ...(code ? { code } : {}) };
    if (status === 404) return { kind: 'not_found', status, reason, ...(code ? { code } : {}) };
    if (status === 429) return { kind: 'throttled', status, reason };
    if (status === undefined || status >= 500 || status === 408) return { kind: 'transient', ...(status ? { status } : {}), reason };
    if (status === 400) return { kind: 'invalid', status, reason };
    return { kind: 'other', status, reason };
  }
  const message = e instanceof Error ? e.message : String(e);
  return { kind: /ECONNRESET|ETIMEDOUT|socket hang up|ECONNREFUSED|aborted/i.test(message) ? 'transient' : 'other', reason: message.slice(0, 300) };
}

/** An error that says which scope could not be read and why; the audit records it as a gap. */
export class ScopeReadError extends Error {
  constructor(
    readonly scope: string,
    readonly classified: ClassifiedError,
    options?: { cause?: unknown },
  ) {
    super(`could not read ${scope}: ${classified.reason}`, options);
    this.name = 'ScopeReadError';
  }
}

/** The gap an error leaves: the scope and reason of a `ScopeReadError`, else `fallbackScope` and the message. */
export function gapFromError(e: unknown, fallbackScope: string): Gap {
  if (e instanceof ScopeReadError) return { scope: e.scope, reason: e.classified.reason, ...(e.classified.status ? { status: e.classified.status } : {}) };
  return { scope: fallbackScope, reason: e instanceof Error ? e.message : String(e) };
}

/**
 * The JSON object of an ARM answer read outside an SDK client: the body on 200, else a ScopeReadError that carries
 * ARM's error code and message (trimmed) classified as any SDK error would be. A 200 whose body is not an object
 * is an error too, never an empty read.
 */
export function armJsonBody(response: { status: number; bodyAsText?: string | null }, scope: string): Obj {
  let body: unknown;
  try {
    body = JSON.parse(response.bodyAsText ?? '');
  } catch {
    body = undefined;
  }
  if (response.status !== 200 || !isObj(body)) {
    const err = isObj(body) && isObj(body.error) ? body.error : {};
    const code = typeof err.code === 'string' ? err.code : undefined;
    throw new ScopeReadError(scope, classifyAzureError(new RestError(String(err.message ?? `ARM answered ${response.status}`).slice(0, 300), { statusCode: response.status, ...(code ? { code } : {}) })));
  }
  return body;
}
