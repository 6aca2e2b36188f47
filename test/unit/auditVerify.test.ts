import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { AuditLog } from '../../daemon/src/audit/auditLog';
import { createCheckpointSigner, formatVerifierKey } from '../../daemon/src/audit/checkpoint';
import { formatVerifyReport, verifyLog, type VerifyResult } from '../../daemon/src/audit/verify';

const signer = createCheckpointSigner('signet.local/unit/verify', createHash('sha256').update('audit verify unit test key').digest());
const vkey = formatVerifierKey(signer.keyName, signer.publicKey);
const AGENT = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';

let root: string;
let pristine: string;
let savedAt10: string;
let savedAt20: string;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'signet-verify-'));
  pristine = join(root, 'pristine');
  const log = await AuditLog.open(pristine, { checkpointSigner: signer });
  for (let i = 0; i < 10; i++) await log.append({ agent: AGENT, kind: 'authorize.allowed', data: { tool: 'write_file', i } });
  savedAt10 = await log.checkpoint();
  for (let i = 10; i < 20; i++) await log.append({ agent: i % 2 ? AGENT : null, kind: i % 2 ? 'authorize.denied' : 'delegation.issued', data: { i } });
  savedAt20 = await log.checkpoint();
  await log.close();
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

let copies = 0;
/** A copy of the pristine log with its lines changed by `edit`. */
async function tampered(edit: (lines: string[]) => string[], opts: { dropIndex?: boolean } = {}): Promise<string> {
  const dir = join(root, `copy-${copies++}`);
  await cp(pristine, dir, { recursive: true });
  const lines = (await readFile(join(dir, 'audit.log'), 'utf8')).split('\n').slice(0, -1);
  await writeFile(join(dir, 'audit.log'), `${edit(lines).join('\n')}\n`);
  if (opts.dropIndex) {
    await unlink(join(dir, 'audit.tree'));
    await unlink(join(dir, 'audit.offsets'));
  }
  return dir;
}

function verify(dir: string, checkpoints: string[] = [savedAt10, savedAt20]): Promise<VerifyResult> {
  return verifyLog(dir, { verifierKey: vkey, checkpoints });
}

test('an untouched log verifies against every checkpoint saved along the way', async () => {
  const result = await verify(pristine);
  assert.equal(result.ok, true, formatVerifyReport(result));
  assert.equal(result.records, 20);
  assert.deepEqual(result.checkpoints.map((c) => [c.size, c.matches]), [[10, true], [20, true], [20, true]]);
  assert.match(formatVerifyReport(result), /^audit log OK: 20 records/);
});

test('an edited record is reported as edited with its sequence number', async () => {
  const dir = await tampered((lines) => lines.map((l, i) => (i === 7 ? l.replace('"i":7', '"i":70') : l)));
  const result = await verify(dir);
  assert.equal(result.ok, false);
  assert.deepEqual([result.problems[0]?.kind, result.problems[0]?.seq], ['edited', 7]);
  assert.ok(result.problems.some((p) => p.kind === 'root-mismatch'), 'the signed root no longer matches either');
  assert.match(formatVerifyReport(result), /FAILED verification: edited at seq 7/);
});

test('an edit whose node file was rewritten too is still caught by the signed checkpoint', async () => {
  const dir = await tampered((lines) => lines.map((l, i) => (i === 3 ? l.replace('write_file', 'read_file') : l)), { dropIndex: true });
  const result = await verify(dir);
  assert.equal(result.ok, false);
  assert.deepEqual(result.problems.map((p) => [p.kind, p.seq]), [['root-mismatch', 9], ['root-mismatch', 19], ['root-mismatch', 19]]);
});

test('a removed record is reported as removed with its sequence number', async () => {
  const dir = await tampered((lines) => lines.filter((_, i) => i !== 12));
  const result = await verify(dir);
  assert.deepEqual([result.problems[0]?.kind, result.problems[0]?.seq], ['removed', 12]);
  assert.match(result.problems[0]?.message ?? '', /record 12 is missing/);
});

test('reordered records are reported as reordered with the sequence number that moved', async () => {
  const dir = await tampered((lines) => {
    const copy = [...lines];
    [copy[7], copy[8]] = [copy[8] as string, copy[7] as string];
    return copy;
  });
  const result = await verify(dir);
  assert.deepEqual([result.problems[0]?.kind, result.problems[0]?.seq], ['reordered', 7]);
  assert.ok(!result.problems.some((p) => p.kind === 'edited' || p.kind === 'removed'), formatVerifyReport(result));
});

test('an inserted record claiming an existing sequence number is reported as inserted', async () => {
  const dir = await tampered((lines) => {
    const forged = (lines[8] as string).replace('"i":8', '"i":8,"note":"forged"');
    return [...lines.slice(0, 8), forged, ...lines.slice(8)];
  });
  const result = await verify(dir);
  assert.deepEqual([result.problems[0]?.kind, result.problems[0]?.seq], ['inserted', 8]);
  assert.equal(result.problems[0]?.line, 9);
  assert.ok(!result.problems.some((p) => p.kind === 'edited'), 'the original record 8 is intact');
});

test('a duplicated record is reported as inserted', async () => {
  const dir = await tampered((lines) => [...lines.slice(0, 16), lines[15] as string, ...lines.slice(16)]);
  const result = await verify(dir);
  assert.deepEqual([result.problems[0]?.kind, result.problems[0]?.seq, result.problems[0]?.line], ['inserted', 15, 17]);
});

test('a log cut short is reported as removed from the first missing sequence number', async () => {
  const dir = await tampered((lines) => lines.slice(0, 17));
  const result = await verify(dir);
  assert.deepEqual([result.problems[0]?.kind, result.problems[0]?.seq], ['removed', 17]);
  assert.match(result.problems[0]?.message ?? '', /records 17–19 are missing from the end/);
  // Even without the node file the signed checkpoint knows the log was longer.
  const bare = await tampered((lines) => lines.slice(0, 17), { dropIndex: true });
  const again = await verify(bare);
  assert.deepEqual([again.problems[0]?.kind, again.problems[0]?.seq], ['removed', 17]);
});

test('a record claiming an absurd sequence number is an insertion, found without counting up to it', async () => {
  const dir = await tampered((lines) => [...lines.slice(0, 4), (lines[4] as string).replace('"seq":4,', '"seq":9007199254740991,'), ...lines.slice(4)]);
  const result = await verify(dir);
  assert.deepEqual(
    result.problems.filter((p) => p.kind !== 'root-mismatch').map((p) => [p.kind, p.seq]),
    [['inserted', 9007199254740991]],
  );
});

test('a line that is not a record in the exact byte form is reported as malformed', async () => {
  const garbage = await tampered((lines) => lines.map((l, i) => (i === 5 ? 'this is not json' : l)));
  const result = await verify(garbage);
  assert.deepEqual([result.problems[0]?.kind, result.problems[0]?.seq], ['malformed', 5]);
  const spaced = await tampered((lines) => lines.map((l, i) => (i === 6 ? l.replace('"data":{', '"data": {') : l)));
  const result2 = await verify(spaced);
  assert.deepEqual([result2.problems[0]?.kind, result2.problems[0]?.seq], ['malformed', 6]);
  assert.match(result2.problems[0]?.message ?? '', /canonical/);
});

test('a checkpoint with a bad signature is reported, and one from another key proves nothing', async () => {
  const altered = savedAt20.replace(/\n20\n/, '\n21\n');
  const result = await verify(pristine, [altered]);
  assert.equal(result.ok, false);
  assert.equal(result.problems[0]?.kind, 'bad-signature');
  assert.equal(result.problems[0]?.seq, null);
  const other = createCheckpointSigner(signer.keyName, createHash('sha256').update('another key').digest());
  const otherKey = formatVerifierKey(other.keyName, other.publicKey);
  const foreign = await verifyLog(pristine, { verifierKey: otherKey, checkpoints: [savedAt10] });
  assert.ok(foreign.problems.length >= 1);
  assert.ok(foreign.problems.every((p) => p.kind === 'bad-signature'));
});

test('a torn last line is a note, not a problem: a running daemon may be writing it', async () => {
  const dir = await tampered((lines) => lines);
  await writeFile(join(dir, 'audit.log'), '{"seq":20,"ti', { flag: 'a' });
  const result = await verify(dir);
  assert.equal(result.ok, true, formatVerifyReport(result));
  assert.match(result.notes.join('\n'), /13 bytes without a newline/);
});
