// The daemon signs the invocations of one event-loop turn together (daemon/src/authz/signingTurn.ts): each request
// still gets the signature of its own bytes by its own key, nothing is signed before the turn's requests are all
// in, and one failing signature fails only its own request. Busy turns are signed on a worker thread
// (signingWorker.ts), which must give the same bytes and, should it fail, leave the signing to the event loop.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OFF_THREAD_FROM, SigningTurn } from '../../daemon/src/authz/signingTurn';
import { Ed25519Signer, verifyEd25519 } from '../../daemon/src/ucan/index';
import { ed25519Library } from '../../daemon/src/ucan/libsodium';

test('each request gets the signature of its own message by its own key, made after the turn', async () => {
  const turn = new SigningTurn();
  const keys = [Ed25519Signer.generate(), Ed25519Signer.generate()];
  const jobs = Array.from({ length: 6 }, (_, i) => ({ signer: keys[i % 2]!, message: Uint8Array.of(i, 1, 2, 3) }));
  let settled = 0;
  const pending = jobs.map((job) => turn.sign(job.signer, job.message).finally(() => settled++));
  // Microtasks of this turn run first: none of the signatures exists yet.
  await Promise.resolve();
  await Promise.resolve();
  assert.equal(settled, 0);
  const signatures = await Promise.all(pending);
  signatures.forEach((signature, i) => {
    const job = jobs[i]!;
    assert.ok(verifyEd25519(job.signer.did, job.message, signature), `signature ${i} verifies`);
    assert.ok(!verifyEd25519(keys[(i + 1) % 2]!.did, job.message, signature), `signature ${i} is not the other key's`);
  });
});

test('a signature that cannot be made fails its own request only', async () => {
  const turn = new SigningTurn();
  const good = Ed25519Signer.generate();
  const broken = { sign: () => { throw new Error('the key is gone'); } } as unknown as Ed25519Signer;
  const [first, second, third] = await Promise.allSettled([
    turn.sign(good, Uint8Array.of(1)),
    turn.sign(broken, Uint8Array.of(2)),
    turn.sign(good, Uint8Array.of(3)),
  ]);
  assert.equal(first.status, 'fulfilled');
  assert.equal(third.status, 'fulfilled');
  assert.equal(second.status, 'rejected');
  assert.match(String((second as PromiseRejectedResult).reason), /the key is gone/);
});

/** Waits until the turn's worker thread has started (the first busy turn starts it and is signed on the loop). */
async function startedWorker(turn: SigningTurn, signer: Ed25519Signer): Promise<void> {
  await Promise.all(Array.from({ length: OFF_THREAD_FROM }, (_, i) => turn.sign(signer, Uint8Array.of(i))));
  for (let waited = 0; !turn.worker?.library; waited += 10) {
    if (waited > 10_000) throw new Error('the signing thread did not start');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test('a busy turn is signed on the worker thread, with the very bytes the event loop would have signed', async (t) => {
  const turn = new SigningTurn();
  t.after(() => turn.close());
  const keys = [Ed25519Signer.generate(), Ed25519Signer.generate(), Ed25519Signer.generate()];
  await startedWorker(turn, keys[0]!);
  assert.equal(turn.worker?.library, ed25519Library().library, 'the worker signs with the library the daemon loaded');
  const jobs = Array.from({ length: 64 }, (_, i) => ({ signer: keys[i % 3]!, message: new Uint8Array(i * 13).fill(i) }));
  const signatures = await Promise.all(jobs.map((job) => turn.sign(job.signer, job.message)));
  assert.equal(turn.signedOffThread, 64);
  signatures.forEach((signature, i) => {
    const job = jobs[i]!;
    assert.deepEqual(signature, job.signer.sign(job.message), `signature ${i} is the event loop's`);
    assert.equal(signature.buffer.byteLength, 64, `signature ${i} has memory of its own`);
    assert.ok(verifyEd25519(job.signer.did, job.message, signature));
  });
});

test('a worker started ahead of load signs the very first busy turn', async (t) => {
  const turn = new SigningTurn();
  t.after(() => turn.close());
  turn.startWorker();
  for (let waited = 0; !turn.worker?.library; waited += 10) {
    if (waited > 10_000) throw new Error('the signing thread did not start');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const signer = Ed25519Signer.generate();
  const messages = Array.from({ length: 8 }, (_, i) => Uint8Array.of(i));
  const signatures = await Promise.all(messages.map((message) => turn.sign(signer, message)));
  assert.equal(turn.signedOffThread, 8);
  signatures.forEach((signature, i) => assert.deepEqual(signature, signer.sign(messages[i]!)));
});

test('a lone signature is made on the event loop, and starts no thread', async () => {
  const turn = new SigningTurn();
  const signer = Ed25519Signer.generate();
  for (let i = 0; i < 5; i++) assert.ok(verifyEd25519(signer.did, Uint8Array.of(i), await turn.sign(signer, Uint8Array.of(i))));
  assert.equal(turn.worker, undefined);
  assert.equal(turn.signedOffThread, 0);
});

test('in a busy turn, a signer the worker cannot hold is signed for on the event loop, and fails alone', async (t) => {
  const turn = new SigningTurn();
  t.after(() => turn.close());
  const good = Ed25519Signer.generate();
  await startedWorker(turn, good);
  const broken = { sign: () => { throw new Error('the key is gone'); } } as unknown as Ed25519Signer;
  const results = await Promise.allSettled([good, broken, good, good, good].map((signer, i) => turn.sign(signer, Uint8Array.of(i))));
  assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
  assert.equal(turn.signedOffThread, 4);
});

test('when the worker thread goes away mid-batch, its signatures are made on the event loop and the failure is told once', async () => {
  const failures: Error[] = [];
  const turn = new SigningTurn({ onWorkerFailure: (error) => failures.push(error) });
  const signer = Ed25519Signer.generate();
  await startedWorker(turn, signer);
  const worker = turn.worker!;
  const messages = Array.from({ length: 32 }, (_, i) => Uint8Array.of(i, 7));
  const pending = messages.map((message) => turn.sign(signer, message));
  // The batch is handed to the worker at the end of this turn (process.nextTick), and the worker is stopped in the
  // very next tick: before the event loop can read any answer from it, however quickly the thread signs.
  const closed = new Promise<void>((resolve, reject) => process.nextTick(() => worker.close().then(resolve, reject)));
  const signatures = await Promise.all(pending);
  await closed;
  signatures.forEach((signature, i) => assert.deepEqual(signature, signer.sign(messages[i]!)));
  assert.equal(turn.signedOffThread, 0, 'the worker made none of them');
  assert.equal(failures.length, 1);
  assert.match(failures[0]!.message, /signing thread was closed/);
  // From then on even busy turns are signed on the event loop.
  await Promise.all(messages.map((message) => turn.sign(signer, message)));
  assert.equal(turn.worker, undefined);
  assert.equal(failures.length, 1);
});
