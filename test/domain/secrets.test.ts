import { describe, expect, it } from 'vitest';
import { nameLooksSecret, plaintextSecretSignal, valueSecretSignal } from '../../shared/domain/secrets.js';

describe('plain-text secret heuristic (workload.no-plaintext-secrets)', () => {
  it.each(['DB_PASSWORD', 'dbPassword', 'API_KEY', 'apiKey', 'STORAGE_KEY', 'CLIENT_SECRET', 'GITHUB_TOKEN', 'SERVICEBUS_CONNECTION_STRING', 'SAS', 'AZURE_CREDENTIALS'])('name %s is a credential', (n) => {
    expect(nameLooksSecret(n)).toBe(true);
  });
  it.each(['KEYVAULT_URL', 'TOKEN_ENDPOINT', 'KEY_ID', 'SECRET_NAME', 'LOG_LEVEL', 'PORT', 'KEYBOARD'])('name %s is not', (n) => {
    expect(nameLooksSecret(n)).toBe(false);
  });
  it.each([
    ['DefaultEndpointsProtocol=https;AccountName=a;AccountKey=abc123==;EndpointSuffix=core.windows.net', 'connection-string'],
    ['Endpoint=sb://x.servicebus.windows.net/;SharedAccessKeyName=r;SharedAccessKey=abcdef', 'connection-string'],
    ['Server=tcp:x.database.windows.net;Database=d;User ID=u;Password=hunter2;', 'connection-string'],
    ['sv=2022-11-02&ss=b&se=2030-01-01&sig=abcdefghijklmnop%3D', 'sas-token'],
    ['eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLXZhbHVl', 'jwt'],
    ['-----BEGIN RSA PRIVATE KEY-----\nMIIB', 'private-key'],
    ['postgres://app:s3cret@db:5432/app', 'url-credentials'],
  ])('value %#: %s', (value, signal) => {
    expect(valueSecretSignal(value)).toBe(signal);
  });
  it('plain values that are not credentials, and empty values, are not flagged', () => {
    expect(plaintextSecretSignal('LOG_LEVEL', 'debug')).toBeUndefined();
    expect(plaintextSecretSignal('DB_PASSWORD', '')).toBeUndefined();
    expect(plaintextSecretSignal('APP_URL', 'https://contoso.com/?a=b')).toBeUndefined();
    expect(plaintextSecretSignal('DB_PASSWORD', 'x')).toBe('name');
  });
});
