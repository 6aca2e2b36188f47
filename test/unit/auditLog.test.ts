import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { appendFile, mkdtemp, readFile, rm, stat, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { AuditLog, AuditLogError, type AuditLogOptions, type TruncationNotice } from '../../daemon/src/audit/auditLog';
import { createCheckpointSigner, formatVerifierKey, verifyCheckpoint } from '../../daemon/src/audit/checkpoint';
import { hashLeaf, verifyConsistency, verifyInclusion } from '../../daemon/src/audit/merkle';
import { verifyLog } from '../../daemon/src/audit/verify';
import type { AuditRecord } from '../../daemon/src/server/protocol';

const signer = createCheckpointSigner('signet.local/unit/audit', createHash('sha256').update('audit log unit test key').digest());
const vkey = formatVerifierKey(signer.keyName, signer.publicKey);
const AGENT_A = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
const AGENT_B = 'did:key:z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG';

const dirs: string[] = [];
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function freshDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'signet-audit-'));
  dirs.push(dir);
  return dir;
}

function openLog(dir: string, extra: AuditLogOptions = {}): Promise<AuditLog> {
  return AuditLog.open(dir, { checkpointSigner: signer, ...extra });
}

async function lines(dir: string): Promise<string[]> {
  const text = await readFile(join(dir, 'audit.log'), 'utf8');
  return text.split('\n').slice(0, -1);
}

const b64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));

test('appended records get consecutive sequence numbers and the fixed byte form', async () => {
  const dir = await freshDir();
  const log = await openLog(dir);
  const first = await log.append({ agent: null, kind: 'daemon.started', data: { pid: 1 } });
  const second = await log.append({ agent: AGENT_A, kind: 'authorize.allowed', data: { cmd: '/mcp/tools/call', args: { path: 'src/a.ts', n: 1.5 } } });
  assert.equal(first.seq, 0);
  assert.equal(second.seq, 1);
  assert.equal(log.size, 2);
  await log.close();
  const [l0, l1] = await lines(dir);
  assert.match(l0 as string, /^\{"seq":0,"time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z","agent":null,"kind":"daemon.started","data":\{"pid":1\}\}$/);
  assert.equal(l1, JSON.stringify({ seq: 1, time: second.time, agent: AGENT_A, kind: 'authorize.allowed', data: second.data }));
  assert.equal(await stat(join(dir, 'audit.log')).then((s) => s.mode & 0o777), 0o600);
});

test('concurrent appends are all durable, in call order, and share writes', async () => {
  const dir = await freshDir();
  const log = await openLog(dir);
  const seen: number[] = [];
  log.subscribe((r) => seen.push(r.seq));
  const records = await Promise.all(Array.from({ length: 2000 }, (_, i) => log.append({ agent: AGENT_A, kind: 'authorize.allowed', data: { i } })));
  records.forEach((r, i) => {
    assert.equal(r.seq, i);
    assert.deepEqual(r.data, { i });
  });
  // Subscribers hear of records in the turn after their appenders were answered.
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(seen, records.map((r) => r.seq));
  assert.ok(log.commits < 2000 / 10, `2000 appends took ${log.commits} fdatasyncs`);
  await log.close();
  const onDisk = (await lines(dir)).map((l) => JSON.parse(l) as AuditRecord);
  assert.deepEqual(onDisk.map((r) => [r.seq, r.data.i]), records.map((r, i) => [r.seq, i]));
});

test('an appender is answered before subscribers hear of its record, and every record is heard by the time the log closes', async () => {
  const dir = await freshDir();
  const log = await openLog(dir);
  const heard: string[] = [];
  log.subscribe((record, line) => {
    heard.push(line);
    assert.equal(line, JSON.stringify(record), 'the line a subscriber gets is the record\'s JSON text');
  });
  const record = await log.append({ agent: AGENT_A, kind: 'authorize.allowed', data: { first: true } });
  assert.equal(heard.length, 0, 'the subscriber waits until the appender has its answer');
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(heard.length, 1);
  assert.equal(JSON.parse(heard[0] as string).seq, record.seq);

  const pending = log.append({ agent: AGENT_A, kind: 'authorize.allowed', data: { second: true } });
  await pending;
  await log.close();
  assert.equal(heard.length, 2, 'every record has been heard once the log is closed');
});

test('with one record per batch every append gets its own write and sync', async () => {
  const dir = await freshDir();
  const log = await openLog(dir, { maxBatchRecords: 1 });
  await Promise.all(Array.from({ length: 20 }, (_, i) => log.append({ agent: null, kind: 'daemon.started', data: { i } })));
  assert.equal(log.commits, 20);
  await log.close();
});

test('entries that are not records are refused without touching the log', async () => {
  const dir = await freshDir();
  const log = await openLog(dir);
  await assert.rejects(log.append({ agent: null, kind: 'no.such.kind' as 'daemon.started', data: {} }), AuditLogError);
  await assert.rejects(log.append({ agent: null, kind: 'daemon.started', data: [] as unknown as Record<string, unknown> }), /JSON object/);
  await assert.rejects(log.append({ agent: null, kind: 'daemon.started', data: { n: 1n } }), /cannot be written as JSON/);
  await assert.rejects(log.append({ agent: '', kind: 'daemon.started', data: {} }), /DID or null/);
  const ok = await log.append({ agent: null, kind: 'daemon.started', data: {} });
  assert.equal(ok.seq, 0);
  await log.close();
  await assert.rejects(log.append({ agent: null, kind: 'daemon.started', data: {} }), /closed/);
});

test('a reopened log continues its sequence and its tree, and signs a checkpoint after each batch', async () => {
  const dir = await freshDir();
  const log = await openLog(dir);
  for (let i = 0; i < 37; i++) await log.append({ agent: null, kind: 'daemon.started', data: { i } });
  await log.close();
  const before = verifyCheckpoint(await readFile(join(dir, 'checkpoint'), 'utf8'), vkey);
  assert.equal(before.size, 37);

  const again = await openLog(dir);
  assert.equal(again.size, 37);
  const cp = verifyCheckpoint(await again.checkpoint(), vkey);
  assert.deepEqual(Buffer.from(cp.rootHash), Buffer.from(before.rootHash));
  const next = await again.append({ agent: null, kind: 'daemon.stopped', data: {} });
  assert.equal(next.seq, 37);
  await again.close();
  assert.equal(verifyCheckpoint(await readFile(join(dir, 'checkpoint'), 'utf8'), vkey).size, 38);
  assert.equal((await verifyLog(dir, { verifierKey: vkey })).ok, true);
});

test('a torn last line is cut off at start and a log.truncated record says how many bytes went', async () => {
  const dir = await freshDir();
  const log = await openLog(dir);
  for (let i = 0; i < 5; i++) await log.append({ agent: null, kind: 'daemon.started', data: { i } });
  await log.close();
  const sizeBefore = (await stat(join(dir, 'audit.log'))).size;
  const torn = '{"seq":5,"time":"2026-01-01T00:00:00.000Z","agent":null,"kind":"daem';
  await appendFile(join(dir, 'audit.log'), torn);

  const notices: TruncationNotice[] = [];
  const reopened = await openLog(dir, { onTruncated: (n) => notices.push(n) });
  assert.equal(notices.length, 1);
  assert.equal(notices[0]?.bytes, Buffer.byteLength(torn));
  assert.equal(notices[0]?.offset, sizeBefore);
  const [record] = await reopened.query({ kind: 'log.truncated' });
  assert.equal(record?.seq, 5);
  assert.equal(record?.data.bytes, Buffer.byteLength(torn));
  await reopened.close();
  const all = await lines(dir);
  assert.equal(all.length, 6);
  assert.equal((await verifyLog(dir, { verifierKey: vkey })).ok, true);
});

test('zero bytes left at the end by a lost write-back are removed like a torn line', async () => {
  const dir = await freshDir();
  const log = await openLog(dir);
  await log.append({ agent: null, kind: 'daemon.started', data: {} });
  await log.close();
  await appendFile(join(dir, 'audit.log'), Buffer.concat([Buffer.alloc(300), Buffer.from('tail"}\n')]));
  const reopened = await openLog(dir);
  const records = await reopened.query({});
  assert.deepEqual(records.map((r) => r.kind), ['daemon.started', 'log.truncated']);
  assert.equal(records[1]?.data.bytes, 307);
  await reopened.close();
});

test('a lost or lagging node file is rebuilt from the log at start', async () => {
  const dir = await freshDir();
  const log = await openLog(dir);
  for (let i = 0; i < 100; i++) await log.append({ agent: null, kind: 'daemon.started', data: { i } });
  const root = verifyCheckpoint(await log.checkpoint(), vkey).rootHash;
  await log.close();

  await truncate(join(dir, 'audit.tree'), 32 * 61 + 5);
  const lagging = await openLog(dir);
  assert.deepEqual(Buffer.from(verifyCheckpoint(await lagging.checkpoint(), vkey).rootHash), Buffer.from(root));
  const proof = await lagging.inclusionProof(99);
  assert.equal(verifyInclusion(99, 100, b64(proof.leafHash), proof.proof.map(b64), root), true);
  await lagging.close();

  await unlink(join(dir, 'audit.tree'));
  await unlink(join(dir, 'audit.offsets'));
  const rebuilt = await openLog(dir);
  assert.equal(rebuilt.size, 100);
  const proof2 = await rebuilt.inclusionProof(3);
  assert.equal(verifyInclusion(3, 100, b64(proof2.leafHash), proof2.proof.map(b64), root), true);
  await rebuilt.close();
});

test('a log that lost records its checkpoint covers refuses to open', async () => {
  const dir = await freshDir();
  const log = await openLog(dir);
  for (let i = 0; i < 10; i++) await log.append({ agent: null, kind: 'daemon.started', data: { i } });
  await log.close();
  const all = await lines(dir);
  await writeFile(join(dir, 'audit.log'), `${all.slice(0, 8).join('\n')}\n`);
  await assert.rejects(openLog(dir), (error: unknown) => {
    assert.ok(error instanceof AuditLogError);
    assert.equal(error.code, 'inconsistent');
    assert.match(error.message, /holds 8 records, but its signed checkpoint covers 10/);
    assert.match(error.message, /signet audit verify/);
    return true;
  });
});

test('a damaged line in the middle of an unindexed log refuses to open, naming the record', async () => {
  const dir = await freshDir();
  const log = await openLog(dir);
  for (let i = 0; i < 10; i++) await log.append({ agent: null, kind: 'daemon.started', data: { i } });
  await log.close();
  const all = await lines(dir);
  all[4] = (all[4] as string).replace('"data":{', '"data": {');
  await writeFile(join(dir, 'audit.log'), `${all.join('\n')}\n`);
  await unlink(join(dir, 'audit.tree'));
  await assert.rejects(openLog(dir), /damaged at byte \d+, where record 4 should be/);
});

test('queries filter by agent, kind and since, and limit from since or from the newest', async () => {
  const dir = await freshDir();
  const log = await openLog(dir);
  for (let i = 0; i < 30; i++) {
    await log.append({ agent: i % 2 ? AGENT_A : AGENT_B, kind: i % 3 ? 'authorize.allowed' : 'authorize.denied', data: { i } });
  }
  const byAgent = await log.query({ agent: AGENT_A });
  assert.deepEqual(byAgent.map((r) => r.seq), Array.from({ length: 15 }, (_, k) => 2 * k + 1));
  const denied = await log.query({ kind: 'authorize.denied' });
  assert.deepEqual(denied.map((r) => r.seq), [0, 3, 6, 9, 12, 15, 18, 21, 24, 27]);
  assert.deepEqual((await log.query({ since: 25 })).map((r) => r.seq), [25, 26, 27, 28, 29]);
  assert.deepEqual((await log.query({ since: 10, limit: 3 })).map((r) => r.seq), [10, 11, 12]);
  assert.deepEqual((await log.query({ limit: 3 })).map((r) => r.seq), [27, 28, 29]);
  assert.deepEqual((await log.query({ agent: AGENT_B, kind: 'authorize.denied', limit: 2 })).map((r) => r.seq), [18, 24]);
  assert.deepEqual(await log.query({ since: 30 }), []);
  await log.close();
});

test('the newest matches of a long log are found however far back they lie', async () => {
  const dir = await freshDir();
  const log = await openLog(dir);
  await Promise.all(
    Array.from({ length: 2500 }, (_, i) => log.append({ agent: null, kind: i % 700 === 0 ? 'approval.requested' : 'authorize.allowed', data: { i } })),
  );
  assert.deepEqual((await log.query({ kind: 'approval.requested', limit: 3 })).map((r) => r.seq), [700, 1400, 2100]);
  assert.deepEqual((await log.query({ kind: 'approval.requested', limit: 10 })).map((r) => r.seq), [0, 700, 1400, 2100]);
  assert.deepEqual((await log.query({ limit: 2 })).map((r) => r.seq), [2498, 2499]);
  assert.equal((await log.query({ kind: 'authorize.allowed' })).length, 2496);
  await log.close();
});

test('inclusion and consistency proofs from the log verify against its signed checkpoints', async () => {
  const dir = await freshDir();
  const log = await openLog(dir);
  for (let i = 0; i < 13; i++) await log.append({ agent: null, kind: 'daemon.started', data: { i } });
  const saved = await log.checkpoint();
  const old = verifyCheckpoint(saved, vkey);
  for (let i = 13; i < 50; i++) await log.append({ agent: AGENT_A, kind: 'authorize.allowed', data: { i } });

  const all = await lines(dir);
  for (const seq of [0, 12, 13, 31, 49]) {
    const p = await log.inclusionProof(seq);
    const cp = verifyCheckpoint(p.checkpoint as string, vkey);
    assert.equal(p.treeSize, 50);
    assert.equal(cp.size, 50);
    assert.deepEqual(Buffer.from(b64(p.leafHash)), Buffer.from(hashLeaf(Buffer.from(all[seq] as string))));
    assert.equal(verifyInclusion(seq, p.treeSize, b64(p.leafHash), p.proof.map(b64), cp.rootHash), true);
  }
  const inOld = await log.inclusionProof(5, 13);
  assert.equal(verifyInclusion(5, 13, b64(inOld.leafHash), inOld.proof.map(b64), old.rootHash), true);

  const c = await log.consistencyProof(old.size);
  const now = verifyCheckpoint(c.checkpoint as string, vkey);
  assert.equal(verifyConsistency(old.size, now.size, c.proof.map(b64), old.rootHash, now.rootHash), true);
  assert.equal(verifyConsistency(old.size, now.size, c.proof.map(b64), now.rootHash, old.rootHash), false);

  await assert.rejects(log.inclusionProof(50), /no record 50/);
  await assert.rejects(log.consistencyProof(0), /at least 1/);
  await log.close();
});
