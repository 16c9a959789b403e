/** The bench process's handles on its child processes (bench/child.ts): spawn, talk over IPC, stop. */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type https from 'node:https';
import { loopbackAgent } from './agent.js';
import type { ChildRequest, ChildSpec, Latency } from './child.js';

// From TypeScript (tsx) or from a compiled build (bench/run.ts TS_LOADER).
const FROM_TS = import.meta.url.endsWith('.ts');
const CHILD = fileURLToPath(new URL(FROM_TS ? './child.ts' : './child.js', import.meta.url));

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

interface Child {
  proc: ChildProcess;
  request<T>(op: DistributiveOmit<ChildRequest, 'id'>): Promise<T>;
  stop(): Promise<void>;
}

async function spawnChild<R>(spec: ChildSpec, maxOldSpaceMb?: number): Promise<{ child: Child; ready: R }> {
  const proc = fork(CHILD, [], {
    execArgv: [...(FROM_TS ? ['--import', 'tsx'] : []), ...(maxOldSpaceMb ? [`--max-old-space-size=${maxOldSpaceMb}`] : [])],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let next = 1;
  const pending = new Map<number, (v: unknown) => void>();
  const ready = await new Promise<R>((resolve, reject) => {
    const onMessage = (m: { type?: string; message?: string }) => {
      if (m.type === 'ready') { proc.off('message', onMessage); resolve(m as R); }
      else if (m.type === 'error') reject(new Error(`bench child (${spec.kind}) failed: ${m.message}`));
    };
    proc.on('message', onMessage);
    proc.once('exit', (code) => reject(new Error(`bench child (${spec.kind}) exited with ${code}`)));
    proc.send(spec);
  });
  proc.on('message', (m: { id?: number; result?: unknown }) => {
    if (m.id !== undefined) { pending.get(m.id)?.(m.result); pending.delete(m.id); }
  });
  const child: Child = {
    proc,
    request<T>(op: DistributiveOmit<ChildRequest, 'id'>) {
      const id = next++;
      return new Promise<T>((resolve) => { pending.set(id, resolve as (v: unknown) => void); proc.send({ ...op, id }); });
    },
    async stop() {
      if (proc.exitCode !== null || !proc.connected) return;
      const exited = new Promise<void>((r) => proc.once('exit', () => r()));
      await Promise.race([child.request({ op: 'stop' }), new Promise((r) => setTimeout(r, 5000))]);
      const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
  return { child, ready };
}

export type EmulatorCalls = Record<'identity' | 'arm' | 'resourceGraph' | 'registry' | 'logs', number>;

export interface EstateSummary {
  subscriptions: number;
  registries: Array<{ loginServer: string; sku: string; adminUserEnabled: boolean }>;
  repositories: number;
  manifests: number;
  workloads: number;
}

export interface EmulatorChild {
  summary: EstateSummary;
  agent: https.Agent;
  port: number;
  identityEndpoint: string;
  identityHeader: string;
  generatedMs: number;
  pid: number;
  calls(): Promise<EmulatorCalls>;
  resetCalls(): Promise<void>;
  setLatency(latencyMs: Latency): Promise<void>;
  /** Re-pushes `fraction` of the manifests (bench/child.ts changeImages); resolves to how many. */
  changeImages(fraction: number, at: string): Promise<number>;
  usage(): Promise<{ cpu: NodeJS.CpuUsage; rss: number }>;
  stop(): Promise<void>;
}

export async function startEmulatorChild(spec: Extract<ChildSpec, { kind: 'emulator' }>): Promise<EmulatorChild> {
  const { child, ready } = await spawnChild<{ port: number; caPem: string; identityEndpoint: string; identityHeader: string; generatedMs: number; summary: EstateSummary }>(spec, 4096);
  const agent = loopbackAgent(ready.port, ready.caPem);
  return {
    agent,
    summary: ready.summary,
    port: ready.port,
    identityEndpoint: ready.identityEndpoint,
    identityHeader: ready.identityHeader,
    generatedMs: ready.generatedMs,
    pid: child.proc.pid!,
    calls: () => child.request({ op: 'calls' }),
    resetCalls: () => child.request({ op: 'resetCalls' }),
    setLatency: (latencyMs) => child.request({ op: 'setLatency', latencyMs }),
    changeImages: (fraction, at) => child.request({ op: 'changeImages', fraction, at }),
    usage: () => child.request({ op: 'usage' }),
    async stop() { agent.destroy(); await child.stop(); },
  };
}

export interface AzuriteChild {
  connectionString: string;
  pid: number;
  usage(): Promise<{ cpu: NodeJS.CpuUsage; rss: number }>;
  stop(): Promise<void>;
}

export async function startAzuriteChild(): Promise<AzuriteChild> {
  const { child, ready } = await spawnChild<{ connectionString: string }>({ kind: 'azurite' }, 4096);
  return { connectionString: ready.connectionString, pid: child.proc.pid!, usage: () => child.request({ op: 'usage' }), stop: () => child.stop() };
}
