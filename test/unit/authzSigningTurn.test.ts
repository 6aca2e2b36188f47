// The daemon signs the invocations of one event-loop turn together (daemon/src/authz/signingTurn.ts): each request
// still gets the signature of its own bytes by its own key, nothing is signed before the turn's requests are all
// in, and one failing signature fails only its own request.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SigningTurn } from '../../daemon/src/authz/signingTurn';
import { Ed25519Signer, verifyEd25519 } from '../../daemon/src/ucan/index';

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
