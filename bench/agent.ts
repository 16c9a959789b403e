/**
 * The bench process's side of the loopback emulator: an https.Agent that sends every connection to
 * 127.0.0.1:<port> while keeping SNI (servername) and certificate checks on the real host name,
 * trusting only the emulator's CA. The same construction as `emulator/index.ts`, rebuilt here
 * because the emulator runs in a child process (its CPU and memory are not ours).
 */
import https from 'node:https';
import tls from 'node:tls';
import type { Socket } from 'node:net';

export function loopbackAgent(port: number, caPem: string, maxSockets = 64): https.Agent {
  // One TLS context for every connection (tls.connect would otherwise build one per socket from `ca`).
  const secureContext = tls.createSecureContext({ ca: caPem });
  const agent = new https.Agent({ keepAlive: true, ca: caPem, maxSockets });
  (agent as unknown as { createConnection: (o: tls.ConnectionOptions & { host?: string; servername?: string }) => Socket }).createConnection =
    (o) => tls.connect({ ...o, host: '127.0.0.1', port, servername: o.servername || o.host, secureContext });
  return agent;
}
