/**
 * `acr-auditor emulator --estate FILE [--port N] [--proxy-port N] [--ca-file FILE]`: runs the
 * emulator standalone until SIGINT, with an HTTP CONNECT proxy that tunnels every host to it, so an
 * unmodified process pointed at it with HTTPS_PROXY + NODE_EXTRA_CA_CERTS reaches the emulated Azure.
 */
import http from 'node:http';
import net from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { loadEstateFile, startEmulator, type RunningEmulator } from './index.js';

export interface ConnectProxy {
  port: number;
  close(): Promise<void>;
}

/** An HTTP proxy on 127.0.0.1 that tunnels every CONNECT (any host) to the emulator's HTTPS port. */
export async function startConnectProxy(emulatorPort: number, port = 0): Promise<ConnectProxy> {
  const sockets = new Set<net.Socket>();
  const server = http.createServer((_req, res) => {
    res.writeHead(405, { 'content-type': 'text/plain' });
    res.end('acr-auditor emulator proxy: only CONNECT (HTTPS) is tunnelled\n');
  });
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    const upstream = net.connect(emulatorPort, '127.0.0.1', () => {
      client.write(`HTTP/1.1 200 Connection Established\r\nProxy-Agent: acr-auditor-emulator\r\n\r\n`);
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(client).add(upstream);
    const done = (): void => { client.destroy(); upstream.destroy(); sockets.delete(client); sockets.delete(upstream); };
    upstream.on('error', done).on('close', done);
    client.on('error', done).on('close', done);
    void req;
  });
  await new Promise<void>((r, j) => { server.once('error', j); server.listen(port, '127.0.0.1', () => r()); });
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => new Promise<void>((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }),
  };
}

function parseArgs(argv: string[]): { estate: string; port: number; proxyPort: number; caFile?: string } {
  const out: { estate?: string; port: number; proxyPort: number; caFile?: string } = { port: 0, proxyPort: 0 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    const int = (v: string): number => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${flag}: not a port number: ${v}`);
      return n;
    };
    if (flag === '--estate') out.estate = value();
    else if (flag === '--port') out.port = int(value());
    else if (flag === '--proxy-port') out.proxyPort = int(value());
    else if (flag === '--ca-file') out.caFile = value();
    else if (flag === '--help' || flag === '-h') throw new Error(USAGE);
    else throw new Error(`unknown option ${a}\n${USAGE}`);
  }
  if (!out.estate) throw new Error(`--estate FILE is required\n${USAGE}`);
  return { ...out, estate: out.estate };
}

const USAGE = 'usage: acr-auditor emulator --estate FILE [--port N] [--proxy-port N] [--ca-file FILE]';

export interface StandaloneEmulator {
  emulator: RunningEmulator;
  proxy: ConnectProxy;
  caFile: string;
  close(): Promise<void>;
}

/** Starts the emulator and its proxy and writes the CA file; what the command prints is returned as `lines`. */
export async function startStandalone(argv: string[]): Promise<StandaloneEmulator & { lines: string[] }> {
  const args = parseArgs(argv);
  const estate = await loadEstateFile(args.estate);
  const emulator = await startEmulator({ estate, port: args.port });
  const proxy = await startConnectProxy(emulator.port, args.proxyPort);
  const caFile = resolve(args.caFile ?? join(tmpdir(), `acr-auditor-emulator-ca-${process.pid}.pem`));
  await writeFile(caFile, emulator.caPem, { mode: 0o644 });
  const lines = [
    `acr-auditor emulator serving ${args.estate}`,
    `  HTTPS port:          ${emulator.port} (127.0.0.1; hosts management.azure.com, api.loganalytics.io and the estate's login servers)`,
    `  CONNECT proxy:       http://127.0.0.1:${proxy.port}`,
    `  CA certificate:      ${caFile}`,
    `  IDENTITY_ENDPOINT:   ${emulator.identityEndpoint}`,
    `  IDENTITY_HEADER:     ${emulator.identityHeader}`,
    '',
    'Point an unmodified process at it:',
    `  export HTTPS_PROXY=http://127.0.0.1:${proxy.port} NODE_EXTRA_CA_CERTS=${caFile} \\`,
    `         IDENTITY_ENDPOINT=${emulator.identityEndpoint} IDENTITY_HEADER=${emulator.identityHeader} NO_PROXY=127.0.0.1,localhost`,
    '',
    'Ctrl-C stops it.',
  ];
  return {
    emulator, proxy, caFile, lines,
    close: async () => { await proxy.close(); await emulator.close(); },
  };
}

export async function runEmulatorCommand(argv: string[]): Promise<void> {
  const s = await startStandalone(argv);
  for (const l of s.lines) console.log(l);
  await new Promise<void>((resolveStop) => {
    const stop = (): void => { process.off('SIGINT', stop); process.off('SIGTERM', stop); resolveStop(); };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  const calls = s.emulator.calls();
  await s.close();
  console.log(`acr-auditor emulator stopped; requests served: ${Object.entries(calls).map(([k, v]) => `${k} ${v}`).join(', ')}`);
}
