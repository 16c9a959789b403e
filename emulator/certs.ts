/**
 * Certificates for the loopback emulator: one CA per process (cached), and a leaf per emulator
 * whose SANs name every host it answers for. EC P-256 keys keep generation in milliseconds.
 */
import { generate } from 'selfsigned';

export interface EmulatorCertificates {
  caPem: string;
  certPem: string;
  keyPem: string;
}

let caPromise: Promise<{ cert: string; key: string }> | undefined;

function ca(): Promise<{ cert: string; key: string }> {
  caPromise ??= generate([{ name: 'commonName', value: 'acr-auditor loopback emulator CA' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 30 * 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  }).then((r) => ({ cert: r.cert, key: r.private }));
  return caPromise;
}

export async function issueCertificates(hosts: readonly string[]): Promise<EmulatorCertificates> {
  const authority = await ca();
  const dns = [...new Set(hosts.map((h) => h.toLowerCase()))];
  const leaf = await generate([{ name: 'commonName', value: dns[0] ?? 'localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 7 * 86_400_000),
    ca: authority,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [...dns.map((value) => ({ type: 2 as const, value })), { type: 7, ip: '127.0.0.1' }] },
    ],
  });
  return { caPem: authority.cert, certPem: leaf.cert, keyPem: leaf.private };
}
