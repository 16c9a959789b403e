/**
 * toRegistrySnapshot's registry hardening facts (issue 13) from both shapes it reads: a Resource Graph row
 * (ARM wire shape, `properties` bag; azure-rest-api-specs Microsoft.ContainerRegistry 2025-04-01
 * examples/RegistryGet.json and 2025-03-01-preview examples/PrivateEndpointConnectionGet.json) and the
 * flattened model of @azure/arm-containerregistry 12, with and without the newer properties.
 */
import { describe, expect, it } from 'vitest';
import { toRegistrySnapshot } from '../../shared/inventory/mappers.js';

const ID = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/myResourceGroup/providers/Microsoft.ContainerRegistry/registries/myRegistry';
const FOREIGN_PE = '/subscriptions/99999999-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Network/privateEndpoints/pe';

const wire = {
  id: ID,
  name: 'myRegistry',
  location: 'westus',
  sku: { name: 'Premium', tier: 'Premium' },
  properties: {
    loginServer: 'myregistry.azurecr.io',
    adminUserEnabled: false,
    policies: {
      quarantinePolicy: { status: 'disabled' },
      trustPolicy: { type: 'Notary', status: 'disabled' },
      retentionPolicy: { days: 7, lastUpdatedTime: '2021-06-15T21:40:12.8506835+00:00', status: 'enabled' },
      exportPolicy: { status: 'enabled' },
      azureADAuthenticationAsArmPolicy: { status: 'disabled' },
    },
    encryption: { status: 'enabled', keyVaultProperties: { keyIdentifier: 'https://kv.vault.azure.net/keys/k', keyRotationEnabled: true } },
    dataEndpointEnabled: true,
    privateEndpointConnections: [
      {
        id: `${ID}/privateEndpointConnections/myConnection`,
        name: 'myConnection',
        properties: { privateEndpoint: { id: FOREIGN_PE }, privateLinkServiceConnectionState: { status: 'Pending', description: '', actionsRequired: 'None' } },
      },
    ],
    publicNetworkAccess: 'Disabled',
    roleAssignmentMode: 'AbacRepositoryPermissions',
  },
};

const expected = {
  policies: { quarantine: 'disabled', retention: { status: 'enabled', days: 7 }, export: 'enabled', armAudienceTokens: 'disabled' },
  encryption: { status: 'enabled', keyVaultKey: true, keyRotationEnabled: true },
  dataEndpointEnabled: true,
  roleAssignmentMode: 'AbacRepositoryPermissions',
  privateEndpointConnections: [{ name: 'myConnection', privateEndpointId: FOREIGN_PE, subscriptionId: '99999999-0000-0000-0000-000000000000', status: 'Pending' }],
};

describe('toRegistrySnapshot: registry hardening facts', () => {
  it('reads them from a Resource Graph row (ARM wire shape)', () => {
    expect(toRegistrySnapshot(wire)).toMatchObject(expected);
  });

  it('reads them from the flattened SDK model (properties at the top level, connection properties flattened)', () => {
    const { properties, ...rest } = wire;
    const { privateEndpointConnections, ...props } = properties;
    const sdk = {
      ...rest,
      ...props,
      privateEndpointConnections: privateEndpointConnections.map(({ properties: p, ...c }) => ({ ...c, ...p })),
    };
    expect(toRegistrySnapshot(sdk)).toMatchObject(expected);
  });

  it('leaves them absent on an older API shape, never inventing a value', () => {
    const old = { id: ID, sku: { name: 'Basic' }, properties: { loginServer: 'myregistry.azurecr.io', adminUserEnabled: false, policies: { quarantinePolicy: { status: 'disabled' } } } };
    const s = toRegistrySnapshot(old);
    expect(s.policies).toEqual({ quarantine: 'disabled' });
    expect(s.encryption).toBeUndefined();
    expect(s.dataEndpointEnabled).toBeUndefined();
    expect(s.roleAssignmentMode).toBeUndefined();
    expect(s.privateEndpointConnections).toBeUndefined();
  });

  it('bounds what it keeps from estate content', () => {
    const many = Array.from({ length: 150 }, (_, i) => ({ name: `pe-${i}`, properties: { privateEndpoint: { id: FOREIGN_PE }, privateLinkServiceConnectionState: { status: 'x'.repeat(500) } } }));
    const s = toRegistrySnapshot({ ...wire, properties: { ...wire.properties, roleAssignmentMode: 'y'.repeat(500), privateEndpointConnections: many } });
    expect(s.privateEndpointConnections).toHaveLength(100);
    expect(s.privateEndpointConnections![0]!.status).toBe('Unknown');
    expect(s.roleAssignmentMode).toBeUndefined();
    expect(s.privateEndpointCount).toBe(150);
  });
});
