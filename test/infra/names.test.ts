import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FUNCTIONS, QUEUES, TABLES } from '../../shared/names.js';
import { ACCESS, INFRA, ROOT, accessSnapshot, armTemplate, leafName, mainDefaults, onlyResource, resourcesOfType, type Snapshot } from './deployments.js';

let main: Snapshot;
let access: Snapshot;

beforeAll(() => {
  main = mainDefaults();
  access = accessSnapshot();
});

describe('queue, table and function names agree between code, host.json and the compiled infra', () => {
  it('infra creates exactly the queues of QUEUES and the tables of TABLES', () => {
    const queues = resourcesOfType(main, 'Microsoft.Storage/storageAccounts/queueServices/queues').map(leafName);
    const tables = resourcesOfType(main, 'Microsoft.Storage/storageAccounts/tableServices/tables').map(leafName);
    expect(queues.sort()).toEqual(Object.values(QUEUES).sort());
    expect(tables.sort()).toEqual(Object.values(TABLES).sort());
  });

  it('queue names are valid Azure queue names and table names valid table names', () => {
    for (const q of Object.values(QUEUES)) {
      expect(q).toMatch(/^[a-z0-9](?:[a-z0-9]|-(?!-))*[a-z0-9]$/);
      expect(`${q}-poison`.length).toBeLessThanOrEqual(63);
    }
    for (const t of Object.values(TABLES)) expect(t).toMatch(/^[A-Za-z][A-Za-z0-9]{2,62}$/);
  });

  it('the outputs and the access defaults carry the same queue and dead-letter container', () => {
    expect(main.outputs.AUDITOR_IMAGE_PUSHED_QUEUE).toBe(QUEUES.imagePushed);
    const containers = resourcesOfType(main, 'Microsoft.Storage/storageAccounts/blobServices/containers').map(leafName);
    expect(containers).toContain(main.outputs.AUDITOR_DEAD_LETTER_CONTAINER);
    const template = armTemplate('access/main.bicep') as { parameters: Record<string, { defaultValue?: unknown }> };
    expect(template.parameters.imagePushedQueueName?.defaultValue).toBe(QUEUES.imagePushed);
    expect(template.parameters.deadLetterContainerName?.defaultValue).toBe(main.outputs.AUDITOR_DEAD_LETTER_CONTAINER);
    const params = JSON.parse(readFileSync(join(INFRA, 'access', 'main.parameters.json'), 'utf8')) as { parameters: Record<string, { value: unknown }> };
    expect(params.parameters.imagePushedQueueName?.value).toBe(QUEUES.imagePushed);
  });

  it('parameter files are JSON whose parameters exist in their compiled template', () => {
    for (const [params, template] of [['main.parameters.json', 'main.bicep'], ['access/main.parameters.json', 'access/main.bicep']] as const) {
      const json = JSON.parse(readFileSync(join(INFRA, params), 'utf8')) as { parameters: Record<string, unknown> };
      const declared = Object.keys((armTemplate(template) as { parameters: Record<string, unknown> }).parameters);
      for (const name of Object.keys(json.parameters)) expect(declared, `${params}: ${name}`).toContain(name);
    }
  });

  it('the Event Grid subscription delivers ImagePushed and ImageDeleted to QUEUES.imagePushed with identity, retries and dead-lettering', () => {
    const topics = resourcesOfType(access, 'Microsoft.EventGrid/systemTopics');
    expect(topics.map((t) => t.name)).toEqual(['contosoprod-auditor']); // contosolegacy has events: false
    const topic = topics[0]!;
    const registryId = `/subscriptions/${ACCESS_SUB()}/resourceGroups/rg-registries/providers/Microsoft.ContainerRegistry/registries/contosoprod`;
    expect(topic.properties).toMatchObject({ source: registryId, topicType: 'Microsoft.ContainerRegistry.Registries' });
    // A system topic lives in its source's region: the registry's location, read at deployment time.
    expect(topic.location).toMatch(new RegExp(`^\\[reference\\('${registryId}'.*\\)\\.location\\]$`));
    expect(topic.identity).toEqual({ type: 'UserAssigned', userAssignedIdentities: { [ACCESS.deliveryIdentityId]: {} } });

    const sub = onlyResource(access, 'Microsoft.EventGrid/systemTopics/eventSubscriptions');
    const identity = { type: 'UserAssigned', userAssignedIdentity: ACCESS.deliveryIdentityId };
    expect(sub.properties).toMatchObject({
      // Event Grid writes the Event Grid schema, base64-encoded, which the queue trigger must decode.
      eventDeliverySchema: 'EventGridSchema',
      filter: { includedEventTypes: ['Microsoft.ContainerRegistry.ImagePushed', 'Microsoft.ContainerRegistry.ImageDeleted'] },
      deliveryWithResourceIdentity: {
        identity,
        destination: { endpointType: 'StorageQueue', properties: { resourceId: ACCESS.auditorStorageAccountId, queueName: QUEUES.imagePushed } },
      },
      deadLetterWithResourceIdentity: {
        identity,
        deadLetterDestination: { endpointType: 'StorageBlob', properties: { resourceId: ACCESS.auditorStorageAccountId, blobContainerName: main.outputs.AUDITOR_DEAD_LETTER_CONTAINER } },
      },
      retryPolicy: { maxDeliveryAttempts: 30, eventTimeToLiveInMinutes: 1440 },
    });
    // No keys: the subscription must not use the key-based destination property.
    expect(Object.keys(sub.properties ?? {})).not.toContain('destination');
  });

  it('host.json configures the queue extension the triggers rely on', () => {
    const host = JSON.parse(readFileSync(join(ROOT, 'host.json'), 'utf8')) as {
      version: string;
      extensions?: { queues?: { messageEncoding?: string; maxDequeueCount?: number } };
      functionTimeout?: string;
    };
    expect(host.version).toBe('2.0');
    expect(host.extensions?.queues).toBeDefined();
    // Event Grid delivers base64 to storage queues; a mismatch sends every message to -poison.
    expect(host.extensions?.queues?.messageEncoding ?? 'base64').toBe('base64');
    expect(host.extensions?.queues?.maxDequeueCount).toBeGreaterThanOrEqual(1);
    expect(host.functionTimeout).toMatch(/^\d\d:\d\d:\d\d$/);
  });

  it('every function name in FUNCTIONS is registered under functions/', () => {
    const dir = join(ROOT, 'functions');
    const files = existsSync(dir) ? readdirSync(dir).filter((f) => /\.[cm]?[jt]s$/.test(f) && !f.endsWith('.d.ts')) : [];
    expect(files.length).toBeGreaterThan(0);
    const text = files.map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
    const base = new Set(files.map((f) => f.replace(/\.[cm]?[jt]s$/, '')));
    const missing = Object.entries(FUNCTIONS)
      .filter(([key, name]) => !base.has(name) && !text.includes(`FUNCTIONS.${key}`) && !text.includes(`'${name}'`) && !text.includes(`"${name}"`))
      .map(([, name]) => name);
    expect(missing).toEqual([]);
    // Queue triggers must use the identity-based AUDITOR_STORAGE connection the infra writes.
    for (const m of text.matchAll(/connection:\s*['"]([^'"]+)['"]/g)) expect(m[1]).toBe('AUDITOR_STORAGE');
  });

  it('Flex Consumption on Node 22 with identity-based deployment storage, no keys anywhere', () => {
    const plan = onlyResource(main, 'Microsoft.Web/serverfarms');
    expect(plan.sku).toEqual({ name: 'FC1', tier: 'FlexConsumption' });
    const site = onlyResource(main, 'Microsoft.Web/sites');
    const identityId = resourcesOfType(main, 'Microsoft.ManagedIdentity/userAssignedIdentities').find((r) => r.name.startsWith('id-auditor-'))!.id;
    expect(site.identity).toEqual({ type: 'UserAssigned', userAssignedIdentities: { [identityId]: {} } });
    expect(site.properties).toMatchObject({
      serverFarmId: plan.id,
      httpsOnly: true,
      keyVaultReferenceIdentity: identityId,
      functionAppConfig: {
        runtime: { name: 'node', version: '22' },
        deployment: { storage: { type: 'blobContainer', authentication: { type: 'UserAssignedIdentity', userAssignedIdentityResourceId: identityId } } },
      },
    });
    const deployment = (site.properties as { functionAppConfig: { deployment: { storage: { value: string } } } }).functionAppConfig.deployment.storage.value;
    expect(deployment).toMatch(/primaryEndpoints\.blob, 'app-package'\)\]$/);
    expect(resourcesOfType(main, 'Microsoft.Storage/storageAccounts/blobServices/containers').map(leafName)).toContain('app-package');
    expect(resourcesOfType(main, 'Microsoft.Web/sites/basicPublishingCredentialsPolicies').map((r) => [leafName(r), (r.properties as { allow: boolean }).allow]).sort()).toEqual([['ftp', false], ['scm', false]]);
    expect(onlyResource(main, 'Microsoft.Storage/storageAccounts').properties).toMatchObject({ allowSharedKeyAccess: false, allowBlobPublicAccess: false, minimumTlsVersion: 'TLS1_2' });
    expect(onlyResource(main, 'Microsoft.Insights/components').properties).toMatchObject({ DisableLocalAuth: true });
    expect(onlyResource(main, 'Microsoft.KeyVault/vaults').properties).toMatchObject({ enableRbacAuthorization: true, enablePurgeProtection: true });
  });
});

/** Subscription of the snapshots (scripts/bicep.ts TEST_SCOPE). */
function ACCESS_SUB(): string {
  return /^\/subscriptions\/([^/]+)\//.exec(onlyResource(access, 'Microsoft.EventGrid/systemTopics').id)![1]!;
}
