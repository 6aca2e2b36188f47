// Audit log benchmarks (figures printed, never asserted):
//  - durable append throughput with group commit vs one fdatasync per record, in the same run;
//  - full verification of a 1,000,000-record log, in a child process whose peak RSS is read;
//  - start-up of that log (normal, and rebuilding a lost node file);
//  - inclusion and consistency proof latency on it.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, stat, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { AuditLog } from '../daemon/src/audit/auditLog';
import { createCheckpointSigner, formatVerifierKey, verifyCheckpoint } from '../daemon/src/audit/checkpoint';
import { verifyInclusion } from '../daemon/src/audit/merkle';

const signer = createCheckpointSigner('signet.local/bench/audit', createHash('sha256').update('audit benchmark key').digest());
const vkey = formatVerifierKey(signer.keyName, signer.publicKey);
const AGENT = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
const BIG_LOG_RECORDS = 1_000_000;

/** A typical `authorize.allowed` record: about 330 bytes on disk. */
function entry(i: number): { agent: string; kind: 'authorize.allowed'; data: Record<string, unknown> } {
  return {
    agent: AGENT,
    kind: 'authorize.allowed',
    data: {
      cmd: '/mcp/tools/call',
      tool: 'write_file',
      path: `/home/dev/repo/src/module${i % 977}.ts`,
      invocation: 'bafyreib3mxn5z7a4kbzq2t3xlq6yxg5k2ed3ehh7q4vhkvq7pwtc3udq6e',
      chain: ['bafyreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku'],
      i,
    },
  };
}

/** `clients` concurrent callers, each awaiting its own appends, until `total` records are durable. */
async function appendLoad(log: AuditLog, total: number, clients: number): Promise<number> {
  let issued = 0;
  const start = process.hrtime.bigint();
  const client = async (): Promise<void> => {
    while (issued < total) {
      const i = issued++;
      await log.append(entry(i));
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

const rate = (n: number, seconds: number): string => `${Math.round(n / seconds).toLocaleString('en-US')} records/s`;

async function benchAppend(root: string): Promise<void> {
  const grouped = await AuditLog.open(join(root, 'grouped'), { checkpointSigner: signer });
  await appendLoad(grouped, 2000, 256); // warm-up
  const groupedRecords = 100_000;
  const commitsBefore = grouped.commits;
  const groupedSeconds = await appendLoad(grouped, groupedRecords, 1000);
  const commits = grouped.commits - commitsBefore;
  await grouped.close();

  const single = await AuditLog.open(join(root, 'single'), { checkpointSigner: signer, maxBatchRecords: 1 });
  await appendLoad(single, 200, 16);
  const singleRecords = 5000;
  const singleSeconds = await appendLoad(single, singleRecords, 1000);
  await single.close();

  const groupedRate = groupedRecords / groupedSeconds;
  const singleRate = singleRecords / singleSeconds;
  console.log('  durable appends, 1000 concurrent callers, each append resolved only after fdatasync:');
  console.log(`    group commit:        ${rate(groupedRecords, groupedSeconds)} (${commits} fdatasyncs, ${(groupedRecords / commits).toFixed(0)} records each)  [target ≥ 20,000]`);
  console.log(`    fdatasync per record: ${rate(singleRecords, singleSeconds)}`);
  console.log(`    ratio: ${(groupedRate / singleRate).toFixed(1)}×`);
}

/** Builds the verification child: verifyLog bundled, run by plain node so its RSS is the verifier's alone. */
async function buildVerifyChild(root: string): Promise<string> {
  const repo = fileURLToPath(new URL('..', import.meta.url));
  const outfile = join(root, 'verifyChild.mjs');
  await build({
    stdin: {
      contents: `
        import { verifyLog } from './daemon/src/audit/verify';
        const [dir, verifierKey, checkpoint, mode] = process.argv.slice(2);
        const start = process.hrtime.bigint();
        const cpuStart = process.cpuUsage();
        const result = await verifyLog(dir, { verifierKey, checkpoints: [checkpoint], parallelHashing: mode === 'parallel' });
        const seconds = Number(process.hrtime.bigint() - start) / 1e9;
        const cpu = process.cpuUsage(cpuStart);
        console.log(JSON.stringify({ seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, ok: result.ok, records: result.records, problems: result.problems.length, maxRssKb: process.resourceUsage().maxRSS }));
      `,
      resolveDir: repo,
      loader: 'ts',
      sourcefile: 'verifyChild.ts',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile,
    logLevel: 'warning',
    banner: { js: "import { createRequire as __signetCreateRequire } from 'node:module'; const require = __signetCreateRequire(import.meta.url);" },
  });
  return outfile;
}

function runChild(script: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (t: string) => {
      out += t;
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`verification child exited with ${code}`))));
  });
}

async function benchBigLog(root: string): Promise<void> {
  const dir = join(root, 'big');
  const log = await AuditLog.open(dir, { checkpointSigner: signer });
  const buildStart = process.hrtime.bigint();
  const chunk = 16_384;
  for (let done = 0; done < BIG_LOG_RECORDS; done += chunk) {
    await Promise.all(Array.from({ length: Math.min(chunk, BIG_LOG_RECORDS - done) }, (_, k) => log.append(entry(done + k))));
  }
  const buildSeconds = Number(process.hrtime.bigint() - buildStart) / 1e9;
  const checkpoint = await log.checkpoint();
  await log.close();
  const logBytes = (await stat(join(dir, 'audit.log'))).size;
  const treeBytes = (await stat(join(dir, 'audit.tree'))).size;
  console.log(`  a ${BIG_LOG_RECORDS.toLocaleString('en-US')}-record log: ${(logBytes / 2 ** 20).toFixed(0)} MiB (+ ${(treeBytes / 2 ** 20).toFixed(0)} MiB of Merkle nodes), written at ${rate(BIG_LOG_RECORDS, buildSeconds)}`);

  const child = await buildVerifyChild(root);
  for (const mode of ['parallel', 'single-thread'] as const) {
    const report = JSON.parse(await runChild(child, [dir, vkey, checkpoint, mode])) as {
      seconds: number;
      cpuSeconds: number;
      ok: boolean;
      records: number;
      maxRssKb: number;
    };
    console.log(
      `    full verification (${mode} hashing): ${report.seconds.toFixed(1)} s wall, ${report.cpuSeconds.toFixed(1)} s CPU ` +
        `(${rate(report.records, report.seconds)}, ok=${report.ok}), peak RSS ${(report.maxRssKb / 1024).toFixed(0)} MB (whole child process)  ` +
        '[targets ≤ 15 s, ≤ 150 MB]',
    );
  }

  let t = process.hrtime.bigint();
  const reopened = await AuditLog.open(dir, { checkpointSigner: signer });
  const openMs = Number(process.hrtime.bigint() - t) / 1e6;
  console.log(`    start-up (open):     ${openMs.toFixed(1)} ms`);

  const root0 = verifyCheckpoint(await reopened.checkpoint(), vkey).rootHash;
  const latencies: number[] = [];
  let valid = 0;
  for (let k = 0; k < 2000; k++) {
    const seq = Math.floor(Math.random() * BIG_LOG_RECORDS);
    t = process.hrtime.bigint();
    const p = await reopened.inclusionProof(seq);
    latencies.push(Number(process.hrtime.bigint() - t) / 1000);
    if (verifyInclusion(seq, p.treeSize, Buffer.from(p.leafHash, 'base64'), p.proof.map((h) => Buffer.from(h, 'base64')), root0)) valid++;
  }
  latencies.sort((a, b) => a - b);
  const consistency: number[] = [];
  for (let k = 0; k < 500; k++) {
    const from = 1 + Math.floor(Math.random() * (BIG_LOG_RECORDS - 1));
    t = process.hrtime.bigint();
    await reopened.consistencyProof(from);
    consistency.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  consistency.sort((a, b) => a - b);
  await reopened.close();
  console.log(
    `    inclusion proof:     p50 ${percentile(latencies, 50).toFixed(0)} µs, p99 ${percentile(latencies, 99).toFixed(0)} µs (${valid}/2000 verified)`,
  );
  console.log(`    consistency proof:   p50 ${percentile(consistency, 50).toFixed(0)} µs, p99 ${percentile(consistency, 99).toFixed(0)} µs`);

  await unlink(join(dir, 'audit.tree'));
  await unlink(join(dir, 'audit.offsets'));
  t = process.hrtime.bigint();
  const rebuilt = await AuditLog.open(dir, { checkpointSigner: signer });
  const rebuildSeconds = Number(process.hrtime.bigint() - t) / 1e9;
  await rebuilt.close();
  console.log(`    start-up after losing the node file (full rebuild): ${rebuildSeconds.toFixed(1)} s`);
}

export async function runAuditBenchmarks(): Promise<void> {
  console.log('audit log');
  const root = await mkdtemp(join(tmpdir(), 'signet-bench-audit-'));
  try {
    await benchAppend(root);
    await benchBigLog(root);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
