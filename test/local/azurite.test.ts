import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TableClient } from '@azure/data-tables';
import { QueueClient } from '@azure/storage-queue';
import { startAzurite, type RunningAzurite } from '../../shared/local/azurite.js';

describe('embedded Azurite', () => {
  let azurite: RunningAzurite;
  beforeAll(async () => {
    azurite = await startAzurite();
  });
  afterAll(async () => {
    await azurite.close();
  });

  it('serves tables and queues on loopback with the dev account', async () => {
    expect(azurite.tableEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1$/);
    const table = TableClient.fromConnectionString(azurite.connectionString, 'probe', { allowInsecureConnection: true });
    await table.createTable();
    await table.upsertEntity({ partitionKey: 'p', rowKey: 'r', value: 42 });
    expect((await table.getEntity<{ value: number }>('p', 'r')).value).toBe(42);

    const queue = new QueueClient(azurite.connectionString, 'probe-queue');
    await queue.create();
    await queue.sendMessage('hello');
    const got = await queue.receiveMessages();
    expect(got.receivedMessageItems[0]?.messageText).toBe('hello');
  });
});
