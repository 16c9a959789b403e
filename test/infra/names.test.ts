import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FUNCTIONS, QUEUES, TABLES } from '../../shared/names.js';
import { INFRA, ROOT, literalRecord, parameterDefault, parseBicep, stringLiteral, variableValue, type BicepFile } from './bicep.js';

let main: BicepFile;
let storage: BicepFile;
let events: BicepFile;
let access: BicepFile;
let names: Record<string, Record<string, string>>;

beforeAll(async () => {
  main = await parseBicep(join(INFRA, 'main.bicep'));
  storage = await parseBicep(join(INFRA, 'modules', 'storage.bicep'));
  events = await parseBicep(join(INFRA, 'modules', 'registry-events.bicep'));
  access = await parseBicep(join(INFRA, 'access', 'main.bicep'));
  const value = variableValue(main, 'names');
  if (value?.type !== 'object') throw new Error('infra/main.bicep: var names = { ... } not found');
  names = literalRecord(value) as Record<string, Record<string, string>>;
});

describe('queue, table and function names agree between code, host.json and infra', () => {
  it('infra creates exactly the queues of QUEUES and the tables of TABLES', () => {
    expect(names.queues).toEqual(QUEUES);
    expect(names.tables).toEqual(TABLES);
    expect(main.source).toMatch(/^\s+queueNames: names\.queues$/m);
    expect(main.source).toMatch(/^\s+tableNames: names\.tables$/m);
    expect(storage.source).toMatch(/queueServices\/queues@[^']+' = \[for q in items\(queueNames\): \{\n\s+parent: queueService\n\s+name: q\.value/);
    expect(storage.source).toMatch(/tableServices\/tables@[^']+' = \[for t in items\(tableNames\): \{\n\s+parent: tableService\n\s+name: t\.value/);
  });

  it('queue names are valid Azure queue names and table names valid table names', () => {
    for (const q of Object.values(QUEUES)) {
      expect(q).toMatch(/^[a-z0-9](?:[a-z0-9]|-(?!-))*[a-z0-9]$/);
      expect(`${q}-poison`.length).toBeLessThanOrEqual(63);
    }
    for (const t of Object.values(TABLES)) expect(t).toMatch(/^[A-Za-z][A-Za-z0-9]{2,62}$/);
  });

  it('the Event Grid subscription delivers ImagePushed and ImageDeleted to QUEUES.imagePushed with identity, retries and dead-lettering', () => {
    const dflt = parameterDefault(access, 'imagePushedQueueName');
    expect(dflt && stringLiteral(dflt)).toBe(QUEUES.imagePushed);
    const params = JSON.parse(readFileSync(join(INFRA, 'access', 'main.parameters.json'), 'utf8')) as { parameters: Record<string, { value: unknown }> };
    expect(params.parameters.imagePushedQueueName?.value).toBe(QUEUES.imagePushed);
    expect(access.source).toMatch(/^\s+queueName: imagePushedQueueName$/m);
    expect(main.source).toMatch(/output AUDITOR_IMAGE_PUSHED_QUEUE string = names\.queues\.imagePushed/);
    expect(main.source).toMatch(/imagePushedQueueName: names\.queues\.imagePushed/);

    const src = events.source;
    expect(src).toContain("topicType: 'Microsoft.ContainerRegistry.Registries'");
    expect(src).toContain("'Microsoft.ContainerRegistry.ImagePushed'");
    expect(src).toContain("'Microsoft.ContainerRegistry.ImageDeleted'");
    expect(src).toMatch(/deliveryWithResourceIdentity: \{[\s\S]*endpointType: 'StorageQueue'[\s\S]*queueName: queueName/);
    expect(src).toMatch(/deadLetterWithResourceIdentity: \{[\s\S]*endpointType: 'StorageBlob'/);
    expect(src).toMatch(/retryPolicy: \{\n\s+maxDeliveryAttempts: \w+\n\s+eventTimeToLiveInMinutes: \w+/);
    // Event Grid writes the Event Grid schema, base64-encoded, which the queue trigger must decode.
    expect(src).toContain("eventDeliverySchema: 'EventGridSchema'");
    // No keys: the subscription must not use the key-based destination property.
    expect(src).not.toMatch(/^\s{4}destination:/m);
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

  it('Flex Consumption on Node 22 with identity-based deployment storage', async () => {
    const app = await parseBicep(join(INFRA, 'modules', 'function-app.bicep'));
    expect(app.source).toMatch(/sku: \{\n\s+name: 'FC1'\n\s+tier: 'FlexConsumption'/);
    expect(app.source).toMatch(/runtime: \{\n\s+name: 'node'\n\s+version: '22'/);
    expect(app.source).toMatch(/authentication: \{\n\s+type: 'UserAssignedIdentity'/);
    expect(app.source).toContain('keyVaultReferenceIdentity: identityId');
    expect(main.source).toMatch(/deploymentContainerName: names\.containers\.deployment/);
    const st = storage.source;
    expect(st).toContain('allowSharedKeyAccess: false');
    const mon = readFileSync(join(INFRA, 'modules', 'monitoring.bicep'), 'utf8');
    expect(mon).toContain('DisableLocalAuth: true');
    const kv = readFileSync(join(INFRA, 'modules', 'keyvault.bicep'), 'utf8');
    expect(kv).toContain('enableRbacAuthorization: true');
  });
});
