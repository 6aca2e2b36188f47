// Owner policy benchmarks (`node --import tsx bench/policy.ts`), figures printed, nothing asserted:
//  (a) loading Cedar's WebAssembly, cold, in a fresh process, and compiling the default rules;
//  (b) one policy evaluation per authorize (Cedar, 50 rules, a shell line parsed into its simple commands)
//      as a ratio to one raw node:crypto Ed25519 signature measured in the same run;
//  (c) warm authorize over the real WebSocket with the default rules against no policy files: two daemons of
//      this build at once, in alternating blocks (as bench/compareBuilds.ts does for two builds).
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { canonicalizeArgs } from '../daemon/src/authz/canonicalPaths';
import { cedarLoadMilliseconds } from '../daemon/src/policy/cedarEngine';
import { OwnerPolicy } from '../daemon/src/policy/ownerPolicy';
import { startAuthorizeLoad } from './authorizeLoad';

const fmt = (us: number) => `${us.toFixed(1)} µs`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function perCallAsync(fn: () => Promise<unknown>, calls: number): Promise<number> {
  for (let i = 0; i < 200; i++) await fn();
  const start = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) await fn();
  return Number(process.hrtime.bigint() - start) / 1000 / calls;
}

function perCallSync(fn: () => unknown, calls: number): number {
  for (let i = 0; i < 500; i++) fn();
  const start = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) fn();
  return Number(process.hrtime.bigint() - start) / 1000 / calls;
}

/** 31 rules beside the 19 defaults: 50 in all, of every resource kind. */
function extraRules(): string {
  const rules: string[] = [];
  for (let i = 0; i < 11; i++) rules.push(`@id("file-${i}")\nforbid (principal, action, resource is Signet::File) when { resource.workspaceRelative like "generated-${i}/*" };`);
  for (let i = 0; i < 10; i++) rules.push(`@id("cmd-${i}")\n@outcome("ask")\nforbid (principal, action, resource is Signet::Command) when { resource.program == "tool${i}" && resource.args.contains("--dangerous") };`);
  for (let i = 0; i < 10; i++) rules.push(`@id("allow-${i}")\npermit (principal, action, resource is Signet::Command) when { resource.program == "lint${i}" && principal.name == "coder" };`);
  return rules.join('\n\n');
}

export async function runPolicyBenchmarks(): Promise<void> {
  const { privateKey } = generateKeyPairSync('ed25519');
  const message = Buffer.alloc(300, 7);
  const rawSign = perCallSync(() => sign(null, message, privateKey), 20_000);
  console.log(`baseline: node:crypto Ed25519 sign ${fmt(rawSign)}`);

  // (a) cold load, in a process of its own so that nothing is cached.
  const cold = execFileSync(process.execPath, ['-e', "const t=performance.now(); require('@cedar-policy/cedar-wasm/nodejs'); console.log(performance.now()-t)"], { encoding: 'utf8' });
  const home = realpathSync(mkdtempSync(join(tmpdir(), 'signet-policy-bench-')));
  const workspace = realpathSync(mkdtempSync(join(tmpdir(), 'signet-policy-bench-ws-')));
  try {
    const compileStart = performance.now();
    const policy = new OwnerPolicy({ home });
    writeFileSync(join(policy.userDir, 'extra.cedar'), extraRules());
    const states = policy.refresh(workspace);
    const compileMs = performance.now() - compileStart - (cedarLoadMilliseconds ?? 0);
    const rules = states.reduce((n, s) => n + s.rules, 0);
    console.log(`(a) Cedar's WebAssembly loads in ${Number(cold).toFixed(0)} ms cold (this process: ${cedarLoadMilliseconds?.toFixed(0)} ms); parsing and validating ${rules} rules in ${states.length} files takes ${compileMs.toFixed(0)} ms`);

    // (b) one evaluation of a shell call: parse, decompose, one Cedar request per simple command and per path.
    const args = await canonicalizeArgs({ tool: 'Bash', input: { command: 'git status && cat src/a.ts | grep -n TODO > notes/todo.txt' } }, workspace);
    const call = { agent: { did: 'did:key:z6MkBench', name: 'coder' }, chain: [], actingFor: [], cmd: '/claude-code/tools/bash', args: args.args, paths: args.paths, workspace };
    const verdict = await policy.evaluate(call);
    const shellCall = await perCallAsync(() => policy.evaluate(call), 2000);
    const toolArgs = await canonicalizeArgs({ server: 'fs', tool: 'read_file', arguments: { path: 'src/a.ts' } }, workspace);
    const toolCall = { ...call, cmd: '/mcp/tools/call', args: toolArgs.args, paths: toolArgs.paths };
    const pathCall = await perCallAsync(() => policy.evaluate(toolCall), 2000);
    console.log(
      `(b) policy evaluation, ${rules} rules: a shell line of ${verdict.shell?.commands.length} simple commands ${fmt(shellCall)} = ${(shellCall / rawSign).toFixed(1)}× one Ed25519 sign; an MCP call with one path ${fmt(pathCall)} = ${(pathCall / rawSign).toFixed(1)}×`,
    );
  } finally {
    rmSync(home, { recursive: true, force: true });
    rmSync(workspace, { recursive: true, force: true });
  }

  // (c) warm authorize, default rules (B) against no policy files (A), same build, alternating blocks.
  const cli = resolve('dist/cli.js');
  const [a, b] = await Promise.all([startAuthorizeLoad(cli, { withoutPolicy: true }), startAuthorizeLoad(cli)]);
  try {
    a.ui.close();
    b.ui.close();
    await a.keepInFlight(1600);
    await b.keepInFlight(1600);
    const ratios: number[] = [];
    const walls: { a: number[]; b: number[] } = { a: [], b: [] };
    for (let block = 0; block < 16; block++) {
      const first = block % 2 === 0 ? a : b;
      const second = first === a ? b : a;
      const r1 = await first.keepInFlight(400);
      const r2 = await second.keepInFlight(400);
      const [ra, rb] = first === a ? [r1, r2] : [r2, r1];
      walls.a.push(ra.wall);
      walls.b.push(rb.wall);
      ratios.push(rb.wall / ra.wall);
    }
    const sorted = [...ratios].sort((x, y) => x - y);
    console.log(
      `(c) warm authorize (64 in flight): no policy files ${fmt(median(walls.a))}, default rules ${fmt(median(walls.b))} per call; ratio B/A median ${median(ratios).toFixed(2)} (quartiles ${sorted[4]?.toFixed(2)}–${sorted[11]?.toFixed(2)})`,
    );
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
}

if (process.argv[1]?.endsWith('policy.ts')) await runPolicyBenchmarks();
