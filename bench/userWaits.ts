// What a user waits for, per call, against one daemon build (bench/authorizeLoad.ts): an approved tools/call
// through `signet mcp-proxy` of the same build, the same call made directly to the same server (what the proxy's
// figure is taken against), and a PreToolUse hook call (`signet hook claude-code`, one process per tool call, as
// Claude Code runs it). The build comparison times them in alternating blocks; each side's calls are made one at
// a time, as an agent makes them.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { AuthorizeLoad } from './authorizeLoad';

const root = new URL('..', import.meta.url).pathname;

/** Something timed one call at a time: `calls` of them, each one's time in microseconds. */
export interface TimedSide {
  latencies(calls: number): Promise<number[]>;
  close(): Promise<void>;
}

async function timeEach(calls: number, call: (i: number) => Promise<void>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < calls; i++) {
    const t0 = process.hrtime.bigint();
    await call(i);
    samples.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  return samples;
}

function everythingServer(): string {
  const requireHere = createRequire(join(root, 'package.json'));
  return join(dirname(requireHere.resolve('@modelcontextprotocol/server-everything/package.json')), 'dist/index.js');
}

async function echoSide(command: string, args: string[]): Promise<TimedSide> {
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(new StdioClientTransport({ command, args, env: { ...(process.env as Record<string, string>) }, stderr: 'ignore' }));
  let sent = 0;
  return {
    latencies: (calls) =>
      timeEach(calls, async () => {
        const result = await client.callTool({ name: 'echo', arguments: { message: `m${sent++}` } });
        if (result.isError) throw new Error(`the benchmark call was refused: ${JSON.stringify(result.content)}`);
      }),
    close: () => client.close(),
  };
}

/** The everything server's echo, called directly: the figure a proxied call's added time is taken against. */
export function directEcho(): Promise<TimedSide> {
  return echoSide(process.execPath, [everythingServer(), 'stdio']);
}

/** The same echo through `signet mcp-proxy --agent bench` of the load's build, asking the load's daemon. */
export function proxiedEcho(load: AuthorizeLoad): Promise<TimedSide> {
  return echoSide(process.execPath, [load.cli, '--home', load.home, 'mcp-proxy', '--agent', 'bench', '--server-name', 'everything', '--workspace', load.home, '--', process.execPath, everythingServer(), 'stdio']);
}

/** How a hook call is started: the lean entry point the installed hooks run, or `signet hook` of the full CLI. */
export type HookEntry = 'lean' | 'cli';

/** The command line of one hook process of the load's build. */
function hookArgs(load: AuthorizeLoad, entry: HookEntry): string[] {
  return entry === 'lean' ? [join(dirname(load.cli), 'hook.js'), '--home', load.home, 'claude-code'] : [load.cli, '--home', load.home, 'hook', 'claude-code'];
}

/** One hook process of the load's build per call, for a Read the daemon allows, each with its own tool_use_id. */
export function hookCall(load: AuthorizeLoad, entry: HookEntry = 'cli'): TimedSide {
  let sent = 0;
  const once = () =>
    new Promise<void>((resolve, reject) => {
      const input = JSON.stringify({ hook_event_name: 'PreToolUse', tool_name: 'Read', tool_input: { file_path: join(load.workspace, 'a.ts') }, cwd: load.workspace, session_id: 'bench', tool_use_id: `toolu_bench_${process.pid}_${sent++}` });
      const child = spawn(process.execPath, hookArgs(load, entry), { stdio: ['pipe', 'pipe', 'ignore'] });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.once('error', reject);
      child.once('exit', () => {
        if (/"permissionDecision":"allow"/.test(out)) resolve();
        else reject(new Error(`the benchmark hook call was not allowed: ${out}`));
      });
      child.stdin.end(input);
    });
  return { latencies: (calls) => timeEach(calls, once), close: async () => undefined };
}

/** `node -e 0`, one process per call: what starting any Node process costs here, the hook's floor. */
export function nodeStartup(): TimedSide {
  const once = () =>
    new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
      child.once('error', reject);
      child.once('exit', () => resolve());
    });
  return { latencies: (calls) => timeEach(calls, once), close: async () => undefined };
}
