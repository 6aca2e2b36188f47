// MCP proxy benchmark: latency of an approved `tools/call` through `signet mcp-proxy` vs the same call made
// directly to the same server, in the same run. Both paths use the official SDK client over real stdio and the
// official everything server (`echo`); the proxied path adds the proxy process, one authorize round trip to a
// real daemon (which signs an invocation and appends an audit record) and the second stdio hop. Calls are made
// one at a time in alternating blocks, so drift on a busy machine hits both sides alike. Target: ≤ 1 ms added
// at p50. Figures are printed, never asserted.
import { existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { DaemonClient } from '../daemon/src/client/daemonClient';
import { startDaemon } from '../daemon/src/daemon';
import { MemoryStore } from '../daemon/src/keys/memoryStore';
import { silentLogger } from '../daemon/src/logger';

const root = new URL('..', import.meta.url).pathname;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

const ms = (us: number) => `${(us / 1000).toFixed(3)} ms`;

async function timeCall(client: Client, samples: number[], message: string): Promise<void> {
  const start = process.hrtime.bigint();
  const result = await client.callTool({ name: 'echo', arguments: { message } });
  samples.push(Number(process.hrtime.bigint() - start) / 1000);
  if (result.isError) throw new Error(`the benchmark call was refused: ${JSON.stringify(result.content)}`);
}

export async function runMcpBenchmarks(): Promise<void> {
  const cli = join(root, 'dist/cli.js');
  if (!existsSync(cli)) {
    console.log('mcp-proxy: skipped (dist/cli.js is missing; run `npm run build` first)');
    return;
  }
  const requireHere = createRequire(join(root, 'package.json'));
  const everything = join(dirname(requireHere.resolve('@modelcontextprotocol/server-everything/package.json')), 'dist/index.js');
  const home = realpathSync(mkdtempSync(join(tmpdir(), 'signet-bench-mcp-')));
  const daemon = await startDaemon({ home, secretStore: new MemoryStore(), log: silentLogger, workspace: home });
  const ui = await DaemonClient.connect({ port: daemon.port, token: daemon.uiToken });
  const env = { ...(process.env as Record<string, string>) };
  const direct = new Client({ name: 'bench', version: '1' });
  const proxied = new Client({ name: 'bench', version: '1' });
  try {
    await ui.request('agent/create', { name: 'bench' });
    await ui.request('delegation/issue', { from: 'user', to: 'bench', cmd: '/mcp/tools/call', pol: [['==', '.tool', 'echo']] });
    await direct.connect(new StdioClientTransport({ command: process.execPath, args: [everything, 'stdio'], env, stderr: 'ignore' }));
    await proxied.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [cli, '--home', home, 'mcp-proxy', '--agent', 'bench', '--server-name', 'everything', '--', process.execPath, everything, 'stdio'],
        env,
        stderr: 'ignore',
      }),
    );

    const directSamples: number[] = [];
    const proxiedSamples: number[] = [];
    const warmup: number[] = [];
    for (let i = 0; i < 300; i++) {
      await timeCall(direct, warmup, `w${i}`);
      await timeCall(proxied, warmup, `w${i}`);
    }
    const blocks = 20;
    const perBlock = 100;
    for (let b = 0; b < blocks; b++) {
      const [first, second] = b % 2 === 0 ? [[direct, directSamples], [proxied, proxiedSamples]] as const : [[proxied, proxiedSamples], [direct, directSamples]] as const;
      for (let i = 0; i < perBlock; i++) await timeCall(first[0], first[1], `m${b}-${i}`);
      for (let i = 0; i < perBlock; i++) await timeCall(second[0], second[1], `m${b}-${i}`);
    }
    // For the breakdown: the daemon's share alone, the same authorize the proxy makes, over the real WebSocket.
    const agent = await DaemonClient.connect({ port: daemon.port, token: daemon.agentToken });
    const authorizeSamples: number[] = [];
    try {
      for (let i = 0; i < 1000; i++) {
        const start = process.hrtime.bigint();
        await agent.request('authorize', { agent: 'bench', cmd: '/mcp/tools/call', args: { server: 'everything', tool: 'echo', arguments: { message: `a${i}` } }, workspace: home, createAgent: true });
        if (i >= 100) authorizeSamples.push(Number(process.hrtime.bigint() - start) / 1000);
      }
    } finally {
      agent.close();
    }
    authorizeSamples.sort((a, b) => a - b);
    directSamples.sort((a, b) => a - b);
    proxiedSamples.sort((a, b) => a - b);
    const d50 = percentile(directSamples, 50);
    const d99 = percentile(directSamples, 99);
    const p50 = percentile(proxiedSamples, 50);
    const p99 = percentile(proxiedSamples, 99);
    console.log(`mcp-proxy: approved tools/call (echo, everything server), ${directSamples.length} calls each, sequential`);
    console.log(`  direct        p50 ${ms(d50)}  p99 ${ms(d99)}`);
    console.log(`  through proxy p50 ${ms(p50)}  p99 ${ms(p99)}`);
    console.log(`  added         p50 ${ms(p50 - d50)}  p99 ${ms(p99 - d99)}  (target ≤ 1 ms at p50: ${p50 - d50 <= 1000 ? 'met' : 'missed'})`);
    const a50 = percentile(authorizeSamples, 50);
    console.log(`  of which the daemon's authorize (sign + durable audit append + WebSocket) p50 ${ms(a50)}; the proxy's own relay ${ms(p50 - d50 - a50)}`);
  } finally {
    await Promise.allSettled([direct.close(), proxied.close()]);
    ui.close();
    await daemon.stop('benchmark finished');
    rmSync(home, { recursive: true, force: true });
  }
}

