// Crash safety of the audit log, tested with real processes: a writer under load is killed with SIGKILL
// at random moments, and a writer whose file size limit runs out has its writes fail for real (EFBIG).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { AuditLog } from '../../daemon/src/audit/auditLog';
import { createCheckpointSigner, formatVerifierKey } from '../../daemon/src/audit/checkpoint';
import { formatVerifyReport, verifyLog } from '../../daemon/src/audit/verify';
import type { AuditRecord } from '../../daemon/src/server/protocol';

// The same key as auditCrashChild.ts.
const signer = createCheckpointSigner('signet.local/crash/test', createHash('sha256').update('audit crash test key').digest());
const vkey = formatVerifierKey(signer.keyName, signer.publicKey);

let root: string;
let child: string;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'signet-crash-'));
  // The writer runs bundled, as the daemon ships, so that 50 restarts take seconds rather than a minute.
  child = join(root, 'auditCrashChild.mjs');
  await build({
    entryPoints: [fileURLToPath(new URL('./auditCrashChild.ts', import.meta.url))],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: child,
    logLevel: 'warning',
    banner: { js: "import { createRequire as __signetCreateRequire } from 'node:module'; const require = __signetCreateRequire(import.meta.url);" },
  });
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

interface ChildRun {
  acked: { seq: number; run: number; i: number }[];
  failures: string[];
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** Runs the writer; `killAfter` decides, once it is spawned, when (if ever) to SIGKILL it. */
function runWriter(args: string[], opts: { killAfterReadyMs?: number; killAfterSpawnMs?: number; shell?: string } = {}): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const proc = opts.shell
      ? spawn('bash', ['-c', `${opts.shell}; exec "$0" "$@"`, process.execPath, child, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn(process.execPath, [child, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acked: ChildRun['acked'] = [];
    const failures: string[] = [];
    let stderr = '';
    let pending = '';
    const timers: NodeJS.Timeout[] = [];
    const kill = (): void => {
      proc.kill('SIGKILL');
    };
    if (opts.killAfterSpawnMs !== undefined) timers.push(setTimeout(kill, opts.killAfterSpawnMs));
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (text: string) => {
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (line === 'ready') {
          if (opts.killAfterReadyMs !== undefined) timers.push(setTimeout(kill, opts.killAfterReadyMs));
          continue;
        }
        const m = /^(\d+) (\d+) (\d+)$/.exec(line);
        if (m) acked.push({ seq: Number(m[1]), run: Number(m[2]), i: Number(m[3]) });
        else if (line.startsWith('failed ')) failures.push(line);
        else reject(new Error(`unexpected output from the writer: ${line}`));
      }
    });
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (text: string) => {
      stderr += text;
    });
    proc.on('error', reject);
    proc.on('close', (code, signal) => {
      for (const t of timers) clearTimeout(t);
      // A line cut off by the kill was never fully acknowledged, so it does not count.
      resolve({ acked, failures, code, signal, stderr });
    });
  });
}

async function* records(dir: string): AsyncGenerator<AuditRecord> {
  const lines = createInterface({ input: createReadStream(join(dir, 'audit.log'), 'utf8'), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) yield JSON.parse(line) as AuditRecord;
}

test('a writer killed with SIGKILL at random moments under load never loses an acknowledged record', async () => {
  const dir = join(root, 'killed');
  const acked = new Map<number, string>();
  const savedCheckpoints: string[] = [];
  let kills = 0;
  const RUNS = 55;
  for (let run = 0; run < RUNS; run++) {
    // Mostly kill under load; sometimes during start-up, which may be repairing the previous crash.
    const during = run % 5 === 4 ? { killAfterSpawnMs: Math.floor(Math.random() * 300) } : { killAfterReadyMs: Math.floor(Math.random() * 120) };
    // Small batches most of the time; large ones (thousands of records per write) now and then, so that
    // some kills land in the middle of a long write and tear the last line.
    const concurrency = run % 3 === 2 ? '4096' : '32';
    const result = await runWriter([dir, String(run), concurrency], during);
    assert.equal(result.signal, 'SIGKILL', `run ${run} ended on its own (code ${result.code}): ${result.stderr}`);
    assert.deepEqual(result.failures, [], `run ${run} had refused appends`);
    kills++;
    for (const { seq, run: r, i } of result.acked) {
      const value = `${r} ${i}`;
      const earlier = acked.get(seq);
      assert.ok(earlier === undefined || earlier === value, `seq ${seq} was acknowledged for ${earlier} and again for ${value}`);
      acked.set(seq, value);
    }
    const note = await readFile(join(dir, 'checkpoint'), 'utf8').catch(() => null);
    if (note && savedCheckpoints.at(-1) !== note) savedCheckpoints.push(note);
  }
  assert.ok(kills >= 50);
  assert.ok(acked.size > 1000, `only ${acked.size} records were acknowledged in ${RUNS} runs`);

  // Start once more (repairing the last crash), then check the whole history.
  const log = await AuditLog.open(dir, { checkpointSigner: signer });
  await log.close();
  const result = await verifyLog(dir, { verifierKey: vkey, checkpoints: savedCheckpoints });
  assert.equal(result.ok, true, formatVerifyReport(result));
  // A run leaves a new checkpoint only if it lived past its first batch; on a slow machine a good number are
  // killed sooner (38–44 of 55 here), so the bar is that most runs contributed one, not nearly all.
  assert.ok(result.checkpoints.length >= 30, `only ${result.checkpoints.length} checkpoints were checked`);
  assert.ok(result.checkpoints.every((c) => c.matches));

  let found = 0;
  let truncations = 0;
  for await (const record of records(dir)) {
    if (record.kind === 'log.truncated') truncations++;
    const expected = acked.get(record.seq);
    if (expected === undefined) continue;
    assert.equal(`${record.data.run as number} ${record.data.i as number}`, expected, `record ${record.seq} differs from what was acknowledged`);
    found++;
  }
  assert.equal(found, acked.size, 'every acknowledged record is in the log');
  // How often a kill tore a line varies from run to run; each torn line was recorded.
  console.log(`crash test: ${kills} kills, ${acked.size} acknowledged records, ${result.records} in the log, ${truncations} torn lines repaired`);
});

test('when writes fail for real (file size limit), every append of the batch is refused and the log stays consistent', async () => {
  const dir = join(root, 'full');
  // 200 KiB: the log reaches it after several hundred records; the other files stay below it.
  const result = await runWriter([dir, '0', '8'], { shell: 'ulimit -f 200' });
  assert.equal(result.code, 0, result.stderr);
  assert.ok(result.acked.length > 100, `only ${result.acked.length} appends succeeded before the limit`);
  assert.ok(result.failures.length >= 50);
  assert.match(result.failures[0] as string, /could not be written \(EFBIG\)/);
  assert.match(result.failures[0] as string, /refused/);

  const log = await AuditLog.open(dir, { checkpointSigner: signer });
  const size = log.size;
  await log.close();
  const verified = await verifyLog(dir, { verifierKey: vkey });
  assert.equal(verified.ok, true, formatVerifyReport(verified));
  // Exactly the acknowledged records are in the log: nothing refused slipped in, nothing acknowledged is missing.
  const inLog: string[] = [];
  for await (const record of records(dir)) inLog.push(`${record.seq} ${record.data.i as number}`);
  assert.equal(size, result.acked.length);
  assert.deepEqual(inLog, result.acked.map((a) => `${a.seq} ${a.i}`));
});
