/**
 * `npm run bench` — the push-handler and nightly benchmarks (docs/benchmarks.md).
 *
 *   npm run bench -- [--json] [--only push|nightly] [--sizes small,medium,large,large-slice] [--events N]
 *                    [--throughput-events N] [--workers N] [--concurrency N] [--nights 1|2|3] [--night-hours H]
 *                    [--signing PERCENT] [--compiled]
 *
 * --compiled: compile the sources with tsc first (into node_modules/.cache/acr-auditor-bench) and run the jobs
 * as plain JavaScript, as the Function App runs them (`npm run build` output): no tsx loader thread, no
 * transpiled sources or source maps in the heap. Memory figures of the deployed shape come from this mode.
 *
 * Nightly: --nights 3 (default) audits the first night, a second night over the unchanged estate and a
 * third after 1% of the images were re-pushed, each H hours (default 24) after the previous one.
 *
 * Prints a readable text report, or one JSON document with --json (progress goes to stderr).
 */
import { fork, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runNightlyBench, type NightlyReport, type SizeName } from './nightly.js';
import { runPushBench, type PushReport } from './push.js';
import { formatNightly, formatPush } from './report.js';

export interface BenchReport {
  date: string;
  machine: { cpus: number; cpuModel: string; memoryGb: number; node: string; platform: string };
  command: string;
  /** How the auditor code ran: `tsx` (transpiled on load) or `compiled` (tsc output, as deployed). */
  runtime: 'tsx' | 'compiled';
  push?: PushReport;
  nightly?: NightlyReport[];
}

const SIZES: readonly SizeName[] = ['small', 'medium', 'large', 'large-slice'];

export function parseBenchArgs(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      json: { type: 'boolean', default: false },
      only: { type: 'string' },
      sizes: { type: 'string', default: 'small,medium,large' },
      events: { type: 'string', default: '10000' },
      'throughput-events': { type: 'string' },
      workers: { type: 'string', default: '16' },
      concurrency: { type: 'string', default: '8' },
      nights: { type: 'string', default: '3' },
      'night-hours': { type: 'string', default: '24' },
      signing: { type: 'string' },
      compiled: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
      job: { type: 'string' },
    },
    strict: true,
  });
  const int = (name: string, v: string | undefined, min: number): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name}: expected an integer >= ${min}, got ${JSON.stringify(v)}`);
    return n;
  };
  if (values.only !== undefined && values.only !== 'push' && values.only !== 'nightly') throw new Error(`--only: expected push or nightly, got ${JSON.stringify(values.only)}`);
  const sizes = values.sizes.split(',').map((s) => s.trim()).filter(Boolean);
  for (const s of sizes) if (!SIZES.includes(s as SizeName)) throw new Error(`--sizes: unknown size ${JSON.stringify(s)} (expected ${SIZES.join(', ')})`);
  const throughputEvents = int('throughput-events', values['throughput-events'], 1);
  const signing = int('signing', values.signing, 0);
  if (signing !== undefined && signing > 100) throw new Error(`--signing: expected a percentage 0-100, got ${signing}`);
  return {
    json: values.json,
    help: values.help,
    compiled: values.compiled,
    only: values.only as 'push' | 'nightly' | undefined,
    sizes: sizes as SizeName[],
    events: int('events', values.events, 1)!,
    ...(throughputEvents !== undefined ? { throughputEvents } : {}),
    workers: int('workers', values.workers, 1)!,
    concurrency: int('concurrency', values.concurrency, 1)!,
    nights: int('nights', values.nights, 1)!,
    nightHours: int('night-hours', values['night-hours'], 0)!,
    ...(values.job !== undefined ? { job: values.job } : {}),
    ...(signing !== undefined ? { signing } : {}),
  };
}

export function machine(): BenchReport['machine'] {
  return { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', memoryGb: Math.round(os.totalmem() / 2 ** 30), node: process.version, platform: `${os.type()} ${os.release()}` };
}

type Args = ReturnType<typeof parseBenchArgs>;

/**
 * Run from TypeScript (`npm run bench`: tsx), the jobs load tsx too; run from a compiled build (`node
 * <outDir>/bench/run.js`, docs/benchmarks.md "compiled"), they run plain JavaScript as the Function App does:
 * no loader thread, no transpiled sources and source maps in the heap.
 */
export const TS_LOADER: readonly string[] = import.meta.url.endsWith('.ts') ? ['--import', 'tsx'] : [];

/**
 * Each section runs in its own process: MSAL caches managed-identity tokens process-wide, so a second
 * emulator (another estate) in the same process would be sent the first one's tokens; and each
 * nightly size starts from a clean heap, so its peak RSS is its own.
 */
function runJob<T>(job: string, args: Args, progress: (line: string) => void): Promise<T> {
  const argv = ['--job', job, '--events', String(args.events), '--workers', String(args.workers), '--concurrency', String(args.concurrency),
    '--nights', String(args.nights), '--night-hours', String(args.nightHours),
    ...(args.throughputEvents ? ['--throughput-events', String(args.throughputEvents)] : [])];
  // BENCH_HEAP_MB caps the auditor's V8 old space (a run that completes under a cap shows its live memory
  // is bounded); BENCH_CPU_PROF=DIR writes a V8 CPU profile of each job there.
  const heap = process.env.BENCH_HEAP_MB ? [`--max-old-space-size=${Number(process.env.BENCH_HEAP_MB)}`] : [];
  if (process.env.BENCH_CPU_PROF) heap.push('--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`);
  // BENCH_HEAP_PROF=DIR writes a V8 sampling heap profile (what is live at exit is lost: see --nights 1 with a snapshot instead).
  if (process.env.BENCH_HEAP_PROF) heap.push('--heap-prof', `--heap-prof-dir=${process.env.BENCH_HEAP_PROF}`);
  const proc = fork(fileURLToPath(import.meta.url), argv, { execArgv: [...TS_LOADER, '--expose-gc', ...heap], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  return new Promise<T>((resolve, reject) => {
    let result: T | undefined;
    proc.on('message', (m: { progress?: string; result?: T }) => {
      if (m.progress) progress(m.progress);
      if (m.result) result = m.result;
    });
    proc.once('exit', (code) => (result !== undefined ? resolve(result) : reject(new Error(`bench job ${job} exited with ${code} and no result`))));
  });
}

async function jobMain(job: string, args: Args): Promise<void> {
  const progress = (line: string) => process.send!({ progress: line });
  const result = job === 'push'
    ? await runPushBench({ events: args.events, concurrency: args.concurrency, ...(args.throughputEvents ? { throughputEvents: args.throughputEvents } : {}), progress })
    : await runNightlyBench({ size: job.replace(/^nightly:/, '') as SizeName, workers: args.workers, nights: args.nights, nightHours: args.nightHours, progress });
  await new Promise<void>((r) => process.send!({ result }, () => r()));
}

async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2));
  // --signing P (issue 15): P% of the synthetic repositories sign and require signatures; the jobs and the emulator child inherit it.
  if (args.signing !== undefined) process.env.BENCH_SIGNING = String(args.signing);
  if (args.job) return jobMain(args.job, args);
  if (args.help) {
    console.log('usage: npm run bench -- [--json] [--only push|nightly] [--sizes small,medium,large,large-slice] [--events N] [--throughput-events N] [--workers N] [--concurrency N] [--nights 1|2|3] [--night-hours H] [--signing PERCENT] [--compiled]');
    return;
  }
  if (args.compiled && TS_LOADER.length) return runCompiled(process.argv.slice(2));
  const progress = (line: string) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);
  const report: BenchReport = { date: new Date().toISOString(), machine: machine(), command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(), runtime: TS_LOADER.length ? 'tsx' : 'compiled' };
  if (args.only !== 'nightly') {
    report.push = await runJob<PushReport>('push', args, progress);
  }
  if (args.only !== 'push') {
    report.nightly = [];
    for (const size of args.sizes) report.nightly.push(await runJob<NightlyReport>(`nightly:${size}`, args, progress));
  }
  if (args.json) {
    console.log(JSON.stringify(report, null, 2));
    return;
  }
  const m = report.machine;
  console.log(`acr-auditor benchmarks — ${report.date}`);
  console.log(`machine: ${m.cpus} cores (${m.cpuModel}), ${m.memoryGb} GB, Node ${m.node}, ${m.platform}`);
  console.log(`command: ${report.command} (${report.runtime})\n`);
  if (report.push) console.log(formatPush(report.push));
  if (report.nightly?.length) console.log(formatNightly(report.nightly));
}

/** --compiled from TypeScript: build with tsc, then run the same command from the build (exit code passed on). */
function runCompiled(argv: string[]): void {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const out = path.join(root, 'node_modules', '.cache', 'acr-auditor-bench');
  console.error(`[bench] --compiled: tsc into ${path.relative(root, out)}`);
  const tsc = spawnSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(root, 'tsconfig.json'), '--noEmit', 'false', '--sourceMap', 'false', '--outDir', out], { stdio: 'inherit' });
  if (tsc.status !== 0) throw new Error(`--compiled: tsc exited with ${tsc.status ?? tsc.signal}`);
  // Node looks for the package scope no further up than node_modules: the build says it is ESM itself.
  writeFileSync(path.join(out, 'package.json'), JSON.stringify({ type: 'module' }));
  const run = spawnSync(process.execPath, [path.join(out, 'bench', 'run.js'), ...argv], { stdio: 'inherit' });
  process.exitCode = run.status ?? 1;
}

// Run only as the entry point (the smoke test imports the pieces).
if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  main().then(
    () => process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0),
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : String(e));
      process.exit(1);
    },
  );
}
