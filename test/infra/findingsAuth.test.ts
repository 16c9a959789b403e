/**
 * The findings page's sign-in as infra sets it up (issue 16): App Service Authentication (authsettingsV2)
 * on the Function App when an app registration is given, requiring sign-in with the tenant's issuer and
 * the app's audiences; the function's own check reads the same tenant, client id and readers.
 * Property names: Microsoft.Web/sites/config 'authsettingsV2' (learn.microsoft.com/azure/templates/
 * microsoft.web/sites/config-authsettingsv2), type-checked by the Bicep compiler (npm run infra:check).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { snapshot, type Snapshot } from '../../scripts/bicep.js';
import { appSettings, mainDefaults, resourcesOfType } from './deployments.js';

const CLIENT = '33333333-3333-3333-3333-333333333333';
const str = (v: string) => `'${v}'`;
let withAuth: Snapshot;
let without: Snapshot;

beforeAll(() => {
  withAuth = snapshot('main.bicep', {
    environmentName: str('ci'),
    location: str('swedencentral'),
    approvedRegistries: str('contoso*.azurecr.io'),
    findingsAuthClientId: str(CLIENT),
    findingsReaders: str('Findings.Read'),
  });
  without = mainDefaults();
});

const authConfig = (s: Snapshot) => resourcesOfType(s, 'Microsoft.Web/sites/config').find((r) => r.name.endsWith('/authsettingsV2'));

describe('findings page sign-in in infra', () => {
  it('App Service Authentication requires sign-in with the tenant issuer and the app registration audiences', () => {
    const auth = authConfig(withAuth);
    expect(auth).toBeDefined();
    type Auth = {
      platform: { enabled: boolean };
      globalValidation: { requireAuthentication: boolean; unauthenticatedClientAction: string };
      identityProviders: { azureActiveDirectory: { enabled: boolean; registration: { clientId: string; openIdIssuer: string }; validation: { allowedAudiences: string[] } } };
      login: { tokenStore: { enabled: boolean } };
    };
    const p = (auth as unknown as { properties: Auth }).properties;
    expect(p.platform.enabled).toBe(true);
    expect(p.globalValidation.requireAuthentication).toBe(true);
    expect(p.globalValidation.unauthenticatedClientAction).toBe('RedirectToLoginPage');
    const aad = p.identityProviders.azureActiveDirectory;
    expect(aad.enabled).toBe(true);
    expect(aad.registration.clientId).toBe(CLIENT);
    // {authority of this cloud (environment())}/{tenant}/v2.0: the snapshot leaves the cloud-dependent part as an expression.
    expect(aad.registration.openIdIssuer).toMatch(/^\[format\('\{0\}\/\{1\}\/v2\.0'.*authentication.*loginEndpoint/s);
    expect(aad.validation.allowedAudiences).toEqual([CLIENT, `api://${CLIENT}`]);
    // The token store forwards the id token the function verifies again.
    expect(p.login.tokenStore.enabled).toBe(true);
  });

  it('the function gets the same tenant, client id and readers as app settings', () => {
    const s = appSettings(withAuth);
    expect(s.AUDITOR_AUTH_CLIENT_ID).toBe(CLIENT);
    expect(s.AUDITOR_FINDINGS_READERS).toBe('Findings.Read');
    expect(s.AUDITOR_AUTH_TENANT_ID).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('without an app registration no platform sign-in is deployed, and the function refuses every request (empty settings)', () => {
    expect(authConfig(without)).toBeUndefined();
    expect(appSettings(without).AUDITOR_AUTH_CLIENT_ID).toBe('');
  });
});
