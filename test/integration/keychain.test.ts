// The keychain store against the REAL Secret Service that test/support/withSecretService.sh starts
// (gnome-keyring on a private D-Bus session). Every test uses its own service name, so neither the
// user's keyring nor the `signet` service is ever touched.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { AsyncEntry } from '@napi-rs/keyring';
import { KEYCHAIN_MARKER_ACCOUNT, KeychainStore } from '../../daemon/src/keys/keychainStore';
import { KeystoreError } from '../../daemon/src/keys/keystoreError';
import { openSecretStore } from '../../daemon/src/keys/openSecretStore';
import { secretServiceAvailable, skipUnless, uniqueServiceName } from '../support/secretService';

const skip = skipUnless(secretServiceAvailable(), 'no real Secret Service on the session bus');

/** Raw entries, written or read past the store, as another program would. */
const rawEntry = (service: string, account: string) => new AsyncEntry(service, account, { linux: { store: 'secret-service' } });

const cleanups: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const cleanup of cleanups) {
    try {
      await cleanup();
    } catch {
      // Best effort: without a Secret Service there is nothing to clean up.
    }
  }
});

function isolatedStore(label: string): KeychainStore {
  const store = new KeychainStore({ service: uniqueServiceName(label) });
  cleanups.push(() => rawEntry(store.service, KEYCHAIN_MARKER_ACCOUNT).deleteCredential());
  return store;
}

describe('KeychainStore on a real Secret Service', () => {
  test('a real Secret Service is reachable for these tests', { skip }, () => {
    assert.ok(
      secretServiceAvailable(),
      `no working Secret Service at DBUS_SESSION_BUS_ADDRESS=${process.env.DBUS_SESSION_BUS_ADDRESS ?? '(unset)'}; run the tests through test/support/withSecretService.sh`,
    );
  });

  test('a 32-byte seed is stored, read back byte for byte, and gone after delete', { skip }, async () => {
    const store = isolatedStore('roundtrip');
    const seed = randomBytes(32);
    await store.set('key:did:key:z6MkRoundTrip', seed);
    cleanups.push(() => store.delete('key:did:key:z6MkRoundTrip'));
    assert.deepEqual(await store.get('key:did:key:z6MkRoundTrip'), new Uint8Array(seed));
    assert.equal(await store.delete('key:did:key:z6MkRoundTrip'), true);
    assert.equal(await store.get('key:did:key:z6MkRoundTrip'), null);
    assert.equal(await store.delete('key:did:key:z6MkRoundTrip'), false);
  });

  test('an account that was never stored reads as null from an unlocked keyring', { skip }, async () => {
    const store = isolatedStore('missing');
    assert.equal(await store.get('never-stored'), null);
  });

  test('storing again replaces the secret', { skip }, async () => {
    const store = isolatedStore('replace');
    await store.set('ui-token:abc', new Uint8Array([1, 1, 1]));
    cleanups.push(() => store.delete('ui-token:abc'));
    await store.set('ui-token:abc', new Uint8Array([2, 2]));
    assert.deepEqual(await store.get('ui-token:abc'), new Uint8Array([2, 2]));
  });

  test('two service names keep separate entries under the same account', { skip }, async () => {
    const first = isolatedStore('first');
    const second = isolatedStore('second');
    await first.set('user', new Uint8Array([1]));
    cleanups.push(() => first.delete('user'));
    assert.equal(await second.get('user'), null);
    await second.set('user', new Uint8Array([2]));
    cleanups.push(() => second.delete('user'));
    assert.deepEqual(await first.get('user'), new Uint8Array([1]));
    assert.deepEqual(await second.get('user'), new Uint8Array([2]));
  });

  test('a secret is kept in the keychain as base64 text that other tools can read', { skip }, async () => {
    const store = isolatedStore('base64');
    const token = randomBytes(24);
    await store.set('ui-token:xyz', token);
    cleanups.push(() => store.delete('ui-token:xyz'));
    assert.equal(await rawEntry(store.service, 'ui-token:xyz').getPassword(), token.toString('base64'));
  });

  test('an entry that another program filled with something else is reported as corrupt, not used', { skip }, async () => {
    const store = isolatedStore('corrupt');
    const raw = rawEntry(store.service, 'user');
    await raw.setPassword('hunter2, not base64!');
    cleanups.push(() => raw.deleteCredential());
    await assert.rejects(store.get('user'), (error: unknown) => error instanceof KeystoreError && error.code === 'corrupt' && /restore it/i.test(error.fix));
  });

  test('probe succeeds on an unlocked keyring and leaves the marker entry it uses to tell locked from empty', { skip }, async () => {
    const store = isolatedStore('probe');
    await store.probe();
    assert.notEqual(await rawEntry(store.service, KEYCHAIN_MARKER_ACCOUNT).getPassword(), null);
    await store.probe();
  });

  test('openSecretStore with kind keychain gives a keychain store for the chosen service', { skip }, async () => {
    const service = uniqueServiceName('open');
    const store = openSecretStore({ kind: 'keychain', home: '/nonexistent-home', service, timeoutMs: 4000 });
    cleanups.push(() => rawEntry(service, KEYCHAIN_MARKER_ACCOUNT).deleteCredential());
    assert.equal(store.kind, 'keychain');
    assert.equal(store.describe(), `Secret Service (org.freedesktop.secrets), service '${service}'`);
    await store.set('user', new Uint8Array([5]));
    cleanups.push(() => store.delete('user'));
    assert.deepEqual(await rawEntry(service, 'user').getPassword(), 'BQ==');
  });
});
