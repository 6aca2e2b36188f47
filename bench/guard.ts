// Guard benchmarks, as ratios against baselines measured in the same run:
//  (c) offline validation of a 3-hop chain (every signature checked, nothing cached) vs three raw node:crypto
//      verifies, and iso-ucan 0.5 validating the same tokens;
//  (d) the guard's added time per tool call: the official SDK client and an McpServer over an in-memory pair,
//      unguarded vs under protectMcpServer (a fresh invocation per call, its nonce kept in memory or flushed to a
//      ledger file), as added p50 and as a ratio to one raw verify.
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { Delegation } from 'iso-ucan/delegation';
import { Invocation } from 'iso-ucan/invocation';
import { Resolver } from 'iso-signatures/verifiers/resolver.js';
import { verifier as eddsaVerifier } from 'iso-signatures/verifiers/eddsa.js';
import { z } from 'zod';
import { FileNonceLedger } from '../daemon/src/mcp/guardNonceLedger';
import { protectMcpServer } from '../daemon/src/sdk/mcpMiddleware';
import { Ed25519Signer, cidOf, encodeDelegationWith, encodeInvocationWith, validateInvocation } from '../daemon/src/ucan/index';

function perCallSync(fn: () => unknown, ms = 800): number {
  for (let i = 0; i < 200; i++) fn();
  let calls = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(ms) * 1_000_000n;
  while (process.hrtime.bigint() < end) {
    for (let i = 0; i < 50; i++) fn();
    calls += 50;
  }
  return Number(process.hrtime.bigint() - start) / 1000 / calls;
}

async function perCallAsync(fn: () => Promise<unknown>, calls: number): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) await fn();
  return Number(process.hrtime.bigint() - start) / 1000 / calls;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
const fmt = (us: number) => `${us.toFixed(1)} µs`;

async function latencies(call: () => Promise<unknown>, count: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = process.hrtime.bigint();
    await call();
    out.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  return out;
}

export async function runGuardBenchmarks(): Promise<void> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const message = Buffer.alloc(300, 7);
  const signature = sign(null, message, privateKey);
  const rawVerify = () => verify(null, message, publicKey, signature);

  // (c) user → planner → reviewer → coder, root first.
  const [user, planner, reviewer, coder] = [0, 1, 2, 3].map(() => Ed25519Signer.generate()) as [Ed25519Signer, Ed25519Signer, Ed25519Signer, Ed25519Signer];
  const nonce = () => crypto.getRandomValues(new Uint8Array(12));
  const now = Math.floor(Date.now() / 1000);
  const hop = (from: Ed25519Signer, to: Ed25519Signer, cmd: string) =>
    encodeDelegationWith({ iss: from.did, aud: to.did, sub: user.did, cmd, pol: [['like', '.path', '/repo/*']], nonce: nonce(), exp: now + 3600 }, from);
  const chain = [hop(user, planner, '/fs'), hop(planner, reviewer, '/fs/write'), hop(reviewer, coder, '/fs/write')];
  const invocation = encodeInvocationWith({ iss: coder.did, sub: user.did, cmd: '/fs/write', args: { path: '/repo/src/a.ts' }, prf: chain.map(cidOf), nonce: nonce(), exp: now + 300 }, coder);
  const validate = () => {
    if (!validateInvocation(invocation, chain, { now }).ok) throw new Error('the benchmark chain does not validate');
  };
  const verifierResolver = new Resolver({ ...eddsaVerifier });
  const isoValidate = () =>
    Invocation.from({
      bytes: invocation,
      verifierResolver,
      resolveProof: async (cid) => Delegation.from({ bytes: chain.find((bytes) => cidOf(bytes) === cid.toString())!, verifierResolver }),
    });
  await isoValidate();
  const ratios: number[] = [];
  const isoRatios: number[] = [];
  for (let block = 0; block < 5; block++) {
    const raw = perCallSync(rawVerify, 300);
    const ours = perCallSync(validate, 300);
    const iso = await perCallAsync(isoValidate, 200);
    ratios.push(ours / (3 * raw));
    isoRatios.push(iso / ours);
  }
  console.log(
    `(c) 3-hop chain, validated cold (4 signatures): ${median(ratios).toFixed(2)}× three raw verifies (${(median(ratios) * 0.75).toFixed(2)}× four); iso-ucan 0.5 takes ${median(isoRatios).toFixed(1)}× as long on the same tokens`,
  );

  // (d) guard overhead per call, in process.
  const dir = mkdtempSync(join(tmpdir(), 'signet-guard-bench-'));
  const root = encodeDelegationWith({ iss: user.did, aud: coder.did, sub: user.did, cmd: '/mcp', pol: [], nonce: nonce(), exp: now + 3600 }, user);
  const proofs = [Buffer.from(root).toString('base64')];
  const metaFor = (text: string) => {
    const token = encodeInvocationWith(
      { iss: coder.did, sub: user.did, cmd: '/mcp/tools/call', args: { server: 'bench', tool: 'echo', arguments: { text } }, prf: [cidOf(root)], nonce: nonce(), exp: now + 300 },
      coder,
    );
    return { 'signet/invocation': { invocation: Buffer.from(token).toString('base64'), proofs, chain: [cidOf(root)] } };
  };
  async function session(guard: 'none' | 'memory' | 'file'): Promise<{ client: Client; close: () => Promise<void> }> {
    const server = new McpServer({ name: 'bench', version: '1' });
    const ledger = guard === 'file' ? new FileNonceLedger(join(dir, 'bench.nonces')) : undefined;
    if (guard !== 'none') protectMcpServer(server, { trust: user.did, serverName: 'bench', ...(ledger ? { ledger } : {}) });
    server.registerTool('echo', { inputSchema: { text: z.string() } }, async ({ text }) => ({ content: [{ type: 'text', text }] }));
    const [a, b] = InMemoryTransport.createLinkedPair();
    await server.connect(b);
    const client = new Client({ name: 'bench', version: '1' });
    await client.connect(a);
    return { client, close: async () => { await client.close(); ledger?.close(); } };
  }
  const count = 1500;
  const plain = await session('none');
  const memory = await session('memory');
  const file = await session('file');
  const plainP50: number[] = [];
  const memoryP50: number[] = [];
  const fileP50: number[] = [];
  for (let block = 0; block < 4; block++) {
    plainP50.push(median(await latencies(() => plain.client.callTool({ name: 'echo', arguments: { text: 'x' } }), count / 4)));
    const memoryMetas = Array.from({ length: count / 4 }, () => metaFor('x'));
    memoryP50.push(median(await latencies(() => memory.client.callTool({ name: 'echo', arguments: { text: 'x' }, _meta: memoryMetas.pop()! }), count / 4)));
    const fileMetas = Array.from({ length: count / 4 }, () => metaFor('x'));
    fileP50.push(median(await latencies(() => file.client.callTool({ name: 'echo', arguments: { text: 'x' }, _meta: fileMetas.pop()! }), count / 4)));
  }
  const raw = perCallSync(rawVerify, 500);
  const addedMemory = median(memoryP50) - median(plainP50);
  const addedFile = median(fileP50) - median(plainP50);
  console.log(
    `(d) guard per tool call (in process, SDK client and McpServer): unguarded p50 ${fmt(median(plainP50))}; guarded adds ${fmt(addedMemory)} (${(addedMemory / raw).toFixed(2)}× one raw verify, ${fmt(raw)}) with the nonce in memory, ${fmt(addedFile)} (${(addedFile / raw).toFixed(1)}×) with the ledger file flushed per call`,
  );
  await Promise.all([plain.close(), memory.close(), file.close()]);
  rmSync(dir, { recursive: true, force: true });
}
