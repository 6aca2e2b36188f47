// MCP proxy benchmark: latency of an approved `tools/call` through `signet mcp-proxy` vs the same call made
// directly to the same server, in the same run. Both paths use the official SDK client over real stdio and the
// official everything server (`echo`); the proxied path adds the proxy process, one authorize round trip to a
// real daemon (which signs an invocation and appends an audit record) and the second stdio hop. The daemon runs
// as its own process (`signet daemon`), as in real use. Target: ≤ 1 ms added at p50.
//
// Calls are made one at a time in alternating blocks (direct, through the proxy, a bare relay, the daemon's
// authorize alone), so drift on a busy machine hits all alike. The breakdown: the daemon's share is the same
// authorize timed from here over its WebSocket; the proxy's own relay is what is added beyond it. For scale,
// a bare relay (a node process that only copies bytes both ways, judging nothing) shows what the extra process
// hop costs by itself on this machine: the floor for any relay in its own process. And a skeleton proxy and
// daemon (bench/skeleton/) show the floor for this design as a whole: the same processes and hops, with only the
// work every implementation must do per call (a WebSocket round trip, one Ed25519 signature, one audit line
// appended and fdatasynced before the answer). Figures are printed, never asserted.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { buildSync } from 'esbuild';
import { DaemonClient } from '../daemon/src/client/daemonClient';
import { readRuntimeFile } from '../daemon/src/home/signetHome';
import { openSecretStore } from '../daemon/src/keys/openSecretStore';
import { readUiToken } from '../daemon/src/keys/uiToken';
import { machineCpuTicks, processRunMicros, stealShare } from './cpuTime';

const root = new URL('..', import.meta.url).pathname;

export interface McpBenchmarkOptions {
  /** The CLI bundle that runs the daemon and the proxy (default: dist/cli.js). */
  cli?: string;
  /** Extra node flags for the proxy process only, e.g. `--cpu-prof` when profiling the relay. */
  proxyNodeFlags?: string[];
}

/** The bare relay: spawns the server and copies bytes between it and its own stdio, nothing else. */
const BARE_RELAY = `
const child = require('node:child_process').spawn(process.argv[1], process.argv.slice(2), { stdio: ['pipe', 'pipe', 'ignore'] });
process.stdin.on('data', (chunk) => child.stdin.write(chunk));
child.stdout.on('data', (chunk) => process.stdout.write(chunk));
process.stdin.on('end', () => child.stdin.end());
child.on('exit', (code) => process.exit(code ?? 1));
`;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

const ms = (us: number) => `${(us / 1000).toFixed(3)} ms`;

async function timed(samples: number[], call: () => Promise<void>): Promise<void> {
  const start = process.hrtime.bigint();
  await call();
  samples.push(Number(process.hrtime.bigint() - start) / 1000);
}

async function echo(client: Client, message: string): Promise<void> {
  const result = await client.callTool({ name: 'echo', arguments: { message } });
  if (result.isError) throw new Error(`the benchmark call was refused: ${JSON.stringify(result.content)}`);
}

export async function runMcpBenchmarks(options: McpBenchmarkOptions = {}): Promise<void> {
  const cli = options.cli ?? join(root, 'dist/cli.js');
  if (!existsSync(cli)) {
    console.log('mcp-proxy: skipped (dist/cli.js is missing; run `npm run build` first)');
    return;
  }
  const requireHere = createRequire(join(root, 'package.json'));
  const everything = join(dirname(requireHere.resolve('@modelcontextprotocol/server-everything/package.json')), 'dist/index.js');
  const home = realpathSync(mkdtempSync(join(tmpdir(), 'signet-bench-mcp-')));
  const daemonProcess = spawn(process.execPath, [cli, '--home', home, 'daemon', '--keystore', 'file'], { stdio: 'ignore' });
  const daemonExited = new Promise((resolve) => daemonProcess.once('exit', resolve));
  const env = { ...(process.env as Record<string, string>) };
  const direct = new Client({ name: 'bench', version: '1' });
  const proxied = new Client({ name: 'bench', version: '1' });
  const bare = new Client({ name: 'bench', version: '1' });
  const skeleton = new Client({ name: 'bench', version: '1' });
  let skeletonDaemon: ReturnType<typeof spawn> | undefined;
  let agent: DaemonClient | undefined;
  try {
    let runtime: Awaited<ReturnType<typeof readRuntimeFile>>;
    for (let waited = 0; !(runtime = await readRuntimeFile(home)); waited += 50) {
      if (daemonProcess.exitCode !== null || waited > 30_000) throw new Error('the benchmark daemon did not start');
      await new Promise((r) => setTimeout(r, 50));
    }
    const uiToken = await readUiToken(openSecretStore({ kind: 'file', home }), home);
    const ui = await DaemonClient.connect({ port: runtime.port, token: uiToken ?? '' });
    try {
      await ui.request('agent/create', { name: 'bench' });
      await ui.request('delegation/issue', { from: 'user', to: 'bench', cmd: '/mcp/tools/call', pol: [['==', '.tool', 'echo']] });
    } finally {
      // The UI connection is closed before anything is timed: the daemon sends every UI client a notification
      // per audited call, and in real use that is the editor's process, not the MCP client's.
      ui.close();
    }
    agent = await DaemonClient.connect({ port: runtime.port, token: runtime.agentToken });
    await direct.connect(new StdioClientTransport({ command: process.execPath, args: [everything, 'stdio'], env, stderr: 'ignore' }));
    const proxiedTransport = new StdioClientTransport({
      command: process.execPath,
      args: [...(options.proxyNodeFlags ?? []), cli, '--home', home, 'mcp-proxy', '--agent', 'bench', '--server-name', 'everything', '--workspace', home, '--', process.execPath, everything, 'stdio'],
      env,
      stderr: 'ignore',
    });
    await proxied.connect(proxiedTransport);
    await bare.connect(new StdioClientTransport({ command: process.execPath, args: ['-e', BARE_RELAY, '--', process.execPath, everything, 'stdio'], env, stderr: 'ignore' }));
    const skeletonToken = randomBytes(24).toString('hex');
    // Bundled as the CLI is, and run by plain node as the CLI is, so that neither side runs under a loader.
    const skeletonDir = join(home, 'skeleton');
    buildSync({
      entryPoints: { daemon: join(root, 'bench/skeleton/skeletonDaemon.ts'), proxy: join(root, 'bench/skeleton/skeletonProxy.ts') },
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      outdir: skeletonDir,
      logLevel: 'error',
    });
    skeletonDaemon = spawn(process.execPath, [join(skeletonDir, 'daemon.js'), join(home, 'skeleton.log'), skeletonToken], { stdio: ['ignore', 'pipe', 'inherit'] });
    const skeletonPort = await new Promise<string>((resolve, reject) => {
      skeletonDaemon?.stdout?.once('data', (data: Buffer) => resolve(data.toString().trim()));
      skeletonDaemon?.once('exit', () => reject(new Error('the skeleton daemon did not start')));
    });
    await skeleton.connect(
      new StdioClientTransport({ command: process.execPath, args: [join(skeletonDir, 'proxy.js'), skeletonPort, skeletonToken, '--', process.execPath, everything, 'stdio'], env, stderr: 'ignore' }),
    );
    const daemonLink = agent;
    // The same authorize the proxy makes for an echo call, from another process than the daemon's, as the proxy is.
    const authorize = async (message: string) => {
      const answer = await daemonLink.request('authz/authorize', { agent: 'bench', cmd: '/mcp/tools/call', args: { server: 'everything', tool: 'echo', arguments: { message } }, workspace: home, createAgent: true });
      if (answer.decision !== 'allow') throw new Error(`the benchmark authorize was denied: ${answer.reason}`);
    };

    const sides = [
      { samples: [] as number[], call: (m: string) => echo(direct, m) },
      { samples: [] as number[], call: (m: string) => echo(proxied, m) },
      { samples: [] as number[], call: (m: string) => echo(bare, m) },
      { samples: [] as number[], call: authorize },
      { samples: [] as number[], call: (m: string) => echo(skeleton, m) },
    ];
    const [directSamples, proxiedSamples, bareSamples, authorizeSamples, skeletonSamples] = sides.map((s) => s.samples) as [number[], number[], number[], number[], number[]];
    // The steady state is measured, as in the daemon benchmark: a fresh daemon and proxy run their first few
    // thousand calls at up to twice the CPU per call while the JIT compiler catches up.
    const warmup: number[] = [];
    for (let i = 0; i < 2000; i++) for (const side of sides) await timed(warmup, () => side.call(`w${i}`));
    const blocks = 20;
    const perBlock = 100;
    // The CPU time the proxy and the daemon spend on the proxied calls, read around those blocks only: what the
    // added latency is made of beyond it is waiting (processes woken from idle, the disk).
    const proxyPid = proxiedTransport.pid ?? undefined;
    const cpuOf = (pid: number | undefined) => (pid === undefined ? undefined : processRunMicros(pid));
    let proxyCpu = 0;
    let daemonCpu = 0;
    const machineBefore = machineCpuTicks();
    for (let b = 0; b < blocks; b++) {
      // Each side goes first as often as last.
      const order = b % 2 === 0 ? sides : [...sides].reverse();
      for (const side of order) {
        const proxy0 = side === sides[1] ? cpuOf(proxyPid) : undefined;
        const daemon0 = side === sides[1] ? cpuOf(runtime.pid) : undefined;
        for (let i = 0; i < perBlock; i++) await timed(side.samples, () => side.call(`m${b}-${i}`));
        if (proxy0 !== undefined) proxyCpu += (cpuOf(proxyPid) ?? NaN) - proxy0;
        if (daemon0 !== undefined) daemonCpu += (cpuOf(runtime.pid) ?? NaN) - daemon0;
      }
    }
    const steal = stealShare(machineBefore, machineCpuTicks());
    for (const side of sides) side.samples.sort((a, b) => a - b);
    const d50 = percentile(directSamples, 50);
    const d99 = percentile(directSamples, 99);
    const p50 = percentile(proxiedSamples, 50);
    const p99 = percentile(proxiedSamples, 99);
    const a50 = percentile(authorizeSamples, 50);
    console.log(
      `mcp-proxy: approved tools/call (echo, everything server), ${directSamples.length} calls each, sequential, daemon in its own process` +
        (Number.isNaN(steal) ? '' : `; CPU time the hypervisor took meanwhile (steal): ${(100 * steal).toFixed(0)}%`),
    );
    console.log(`  direct        p50 ${ms(d50)}  p99 ${ms(d99)}`);
    console.log(`  through proxy p50 ${ms(p50)}  p99 ${ms(p99)}`);
    console.log(`  added         p50 ${ms(p50 - d50)}  p99 ${ms(p99 - d99)}  (target ≤ 1 ms at p50: ${p50 - d50 <= 1000 ? 'met' : 'missed'})`);
    console.log(`  of which the daemon's authorize (sign + durable audit append + WebSocket) p50 ${ms(a50)}; the proxy's own relay ${ms(p50 - d50 - a50)}`);
    if (proxyPid !== undefined && Number.isFinite(proxyCpu) && Number.isFinite(daemonCpu) && proxyCpu + daemonCpu > 0) {
      const calls = proxiedSamples.length;
      console.log(
        `  CPU time per proxied call: the proxy ${ms(proxyCpu / calls)}, the daemon ${ms(daemonCpu / calls)} (with its index and checkpoint writes after the answer); ` +
          'the rest of the added time is waiting: for the disk (fdatasync) and for idle processes to be woken',
      );
    }
    console.log(`  for scale, a bare byte relay process adds p50 ${ms(percentile(bareSamples, 50) - d50)}  p99 ${ms(percentile(bareSamples, 99) - d99)}`);
    const floor = percentile(skeletonSamples, 50) - d50;
    console.log(
      `  the floor of this design here: a skeleton proxy and daemon (same processes and hops; per call only a WebSocket round trip, one Ed25519 signature, ` +
        `one audit line appended and fdatasynced) adds p50 ${ms(floor)}  p99 ${ms(percentile(skeletonSamples, 99) - d99)}; Signet adds ${ms(p50 - d50 - floor)} at p50 beyond it`,
    );
  } finally {
    agent?.close();
    await Promise.allSettled([direct.close(), proxied.close(), bare.close(), skeleton.close()]);
    if (skeletonDaemon && skeletonDaemon.exitCode === null) {
      const exited = new Promise((resolve) => skeletonDaemon?.once('exit', resolve));
      skeletonDaemon.kill('SIGTERM');
      await exited;
    }
    daemonProcess.kill('SIGTERM');
    await daemonExited;
    rmSync(home, { recursive: true, force: true });
  }
}
