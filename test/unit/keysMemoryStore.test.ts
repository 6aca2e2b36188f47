import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { KeystoreError } from '../../daemon/src/keys/keystoreError';
import { MemoryStore } from '../../daemon/src/keys/memoryStore';

describe('MemoryStore', () => {
  test('a stored secret is read back and is gone after delete', async () => {
    const store = new MemoryStore();
    await store.set('user', new Uint8Array([1, 2, 3]));
    assert.deepEqual(await store.get('user'), new Uint8Array([1, 2, 3]));
    assert.equal(await store.delete('user'), true);
    assert.equal(await store.get('user'), null);
    assert.equal(await store.delete('user'), false);
  });

  test('changing the bytes given to set or returned by get does not change the stored secret', async () => {
    const store = new MemoryStore();
    const secret = new Uint8Array([1, 2, 3]);
    await store.set('user', secret);
    secret[0] = 99;
    const read = await store.get('user');
    assert.ok(read);
    read[1] = 99;
    assert.deepEqual(await store.get('user'), new Uint8Array([1, 2, 3]));
  });

  test('a store told to fail rejects every call with that error instead of answering null', async () => {
    const store = new MemoryStore();
    await store.set('user', new Uint8Array([1]));
    const locked = new KeystoreError({ code: 'locked', problem: 'The keyring is locked.', fix: 'Unlock it.' });
    store.failWith(locked);
    await assert.rejects(store.get('user'), locked);
    await assert.rejects(store.get('missing'), locked);
    await assert.rejects(store.set('user', new Uint8Array([2])), locked);
    await assert.rejects(store.delete('user'), locked);
    await assert.rejects(store.probe(), locked);
    store.failWith(undefined);
    assert.deepEqual(await store.get('user'), new Uint8Array([1]));
  });

  test('it says it is the memory kind and keeps nothing', () => {
    const store = new MemoryStore();
    assert.equal(store.kind, 'memory');
    assert.match(store.describe(), /memory/);
  });
});
