/**
 * `GET /api/findings`: the findings as JSON, paged (`page`, `pageSize` up to 200, `next`), with the
 * page's filters (status, severity, rule, subscription, registry, id). Same sign-in checks as the page.
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { FUNCTIONS, ROUTES } from '../shared/names.js';
import { handleFindingsRequest, hostServices, type HostServices } from '../shared/host.js';

export function makeFindingsApiHandler(getHost: () => HostServices = hostServices) {
  return async function findingsApi(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
    const r = await handleFindingsRequest(getHost(), { url: request.url, header: (n) => request.headers.get(n) }, 'json');
    context.log('findingsApi', JSON.stringify({ outcome: r.outcome }));
    return { status: r.status, headers: r.headers, body: r.body };
  };
}

app.http(FUNCTIONS.findingsApi, { methods: ['GET'], authLevel: 'anonymous', route: ROUTES.findingsApi, handler: makeFindingsApiHandler() });
