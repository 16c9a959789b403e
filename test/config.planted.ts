/** Planted secrets for the "never print a setting's secret" tests (issue 10, item 7). */
export const MARK = 'PLANTEDSECRET';

/** Values a user could paste into any setting by mistake, each holding MARK where the secret is. */
export const PLANTED: Readonly<Record<string, string>> = {
  'ACS connection string': `endpoint=https://x.communication.azure.com/;accesskey=${MARK}aGVsbG8gd29ybGQgaGVsbG8gd29ybGQ=`,
  'storage connection string': `DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=${MARK}c2VjcmV0;EndpointSuffix=core.windows.net`,
  'URL with credentials': `https://user:${MARK}@x.example.com/path`,
  'SAS URL': `https://acct.blob.core.windows.net/c?sv=2024-11-04&sp=r&sig=${MARK}%3D`,
  'SAS token': `sig=${MARK}`,
  'SAS storage connection string': `TableEndpoint=https://a.table.core.windows.net;SharedAccessSignature=sv=2024-11-04&sig=${MARK}`,
  'bare key': `${MARK}aGVsbG8gd29ybGQgaGVsbG8gd29ybGQ`,
  'JSON array holding a URL with credentials': JSON.stringify([`https://user:${MARK}@x.example.com`]),
  'JSON object holding a SAS': JSON.stringify([{ id: `sig=${MARK}`, name: `sig=${MARK}`, ruleId: `sig=${MARK}`, resource: `sig=${MARK}`, reason: 'r', expiresAt: `sig=${MARK}`, match: { registries: [`sig=${MARK}`] }, emailTo: [`https://u:${MARK}@x.example.com`], teamsWebhookSetting: `https://u:${MARK}@x` }]),
  'not quite JSON': `[{"id": "${MARK}`,
};
