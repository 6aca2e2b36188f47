import assert from 'node:assert/strict';
import { test } from 'node:test';
import { freshNonce, NONCE_BYTES } from '../../daemon/src/authz/freshNonce';

test('nonces are 12 fresh bytes each, copies that share no memory, across many refills of the pool', () => {
  const seen = new Set<string>();
  let previous: Uint8Array | undefined;
  for (let i = 0; i < 5000; i++) {
    const nonce = freshNonce();
    assert.equal(nonce.constructor, Uint8Array, 'a plain Uint8Array, as DAG-CBOR bytes');
    assert.equal(nonce.length, NONCE_BYTES);
    assert.equal(nonce.byteOffset, 0);
    assert.equal(nonce.buffer.byteLength, NONCE_BYTES, 'its own memory, not a view into the pool');
    const hex = Buffer.from(nonce).toString('hex');
    assert.ok(!seen.has(hex), `nonce ${i} repeats an earlier one`);
    seen.add(hex);
    if (previous) {
      const before = Buffer.from(previous).toString('hex');
      nonce.fill(0);
      assert.equal(Buffer.from(previous).toString('hex'), before, 'changing one nonce leaves the others as they were');
    }
    previous = freshNonce();
  }
});
