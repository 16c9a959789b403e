/**
 * The findings page: server-rendered HTML with filters (status, severity, rule, subscription, registry),
 * each finding with its history, evidence, remediation and portal link; `?id=<finding id>` opens one.
 * Anonymous at the Functions level: App Service Authentication (infra) signs people in, and the use
 * case verifies the Entra ID token itself (signature, issuer, audience, tenant, reader role or group).
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { FUNCTIONS, ROUTES } from '../shared/names.js';
import { handleFindingsRequest, hostServices, type HostServices } from '../shared/host.js';

export function makeFindingsPageHandler(getHost: () => HostServices = hostServices) {
  return async function findingsPage(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
    const r = await handleFindingsRequest(getHost(), { url: request.url, header: (n) => request.headers.get(n) }, 'html');
    context.log('findingsPage', JSON.stringify({ outcome: r.outcome }));
    return { status: r.status, headers: r.headers, body: r.body };
  };
}

app.http(FUNCTIONS.findingsPage, { methods: ['GET'], authLevel: 'anonymous', route: ROUTES.findingsPage, handler: makeFindingsPageHandler() });
