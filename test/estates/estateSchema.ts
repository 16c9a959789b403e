/** A small zod check of an estate document's top level (ESTATE.md): exactly these keys. */
import { z } from 'zod';

const guid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
const row = z.looseObject({ id: z.string().min(1) });

export const estateSchema = z.strictObject({
  tenantId: guid,
  subscriptions: z.array(z.looseObject({ subscriptionId: guid, displayName: z.string(), state: z.string() })).min(1),
  resources: z.array(row.extend({ name: z.string(), type: z.string().regex(/^[a-z0-9.]+\/[a-z0-9/]+$/), subscriptionId: guid, properties: z.record(z.string(), z.unknown()) })),
  securityresources: z.array(row),
  resourcechanges: z.array(row.extend({ properties: z.looseObject({ targetResourceId: z.string(), changeType: z.string() }) })),
  authorizationresources: z.array(row),
  diagnosticSettings: z.record(z.string(), z.array(z.looseObject({ id: z.string(), name: z.string(), properties: z.looseObject({ logs: z.array(z.unknown()) }) }))),
  registryContent: z.record(
    z.string().regex(/^[a-z0-9.-]+$/),
    z.looseObject({
      repositories: z.record(
        z.string(),
        z.looseObject({
          manifests: z.array(z.looseObject({ digest: z.string().regex(/^sha256:[a-f0-9]{64}$/), tags: z.array(z.string()), createdTime: z.iso.datetime(), lastUpdateTime: z.iso.datetime(), mediaType: z.string() })),
          blobs: z.record(z.string(), z.unknown()).optional(),
        }),
      ),
    }),
  ),
  logs: z.record(guid, z.record(z.string(), z.array(z.looseObject({ TimeGenerated: z.iso.datetime() })))),
  /** Registry child resources by registry id (issue 13): tokens, cacheRules, replications as ARM lists them. */
  registryChildren: z.record(z.string(), z.strictObject({ tokens: z.array(row.partial()).optional(), cacheRules: z.array(row.partial()).optional(), replications: z.array(row.partial()).optional() })).optional(),
  emulator: z.looseObject({}).optional(),
});
