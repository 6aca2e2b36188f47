import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parseUnixAddress, preflightSecretService } from '../../daemon/src/keys/dbusPreflight';
import { codeForLibraryMessage, KEYCHAIN_MARKER_ACCOUNT, KeychainStore } from '../../daemon/src/keys/keychainStore';
import { KeystoreError } from '../../daemon/src/keys/keystoreError';
import { decodeSecret, encodeSecret } from '../../daemon/src/keys/secretEncoding';

const folder = mkdtempSync(join(tmpdir(), 'signet-keys-errors-'));
after(() => rmSync(folder, { recursive: true, force: true }));

describe('keychain failure classification', () => {
  // The exact texts @napi-rs/keyring 2.1 produced on this machine for each failure mode.
  const seen: Array<[string, string]> = [
    ['Platform failure: DBus error: Using X11 for dbus-daemon autolaunch was disabled at compile time, set your DBUS_SESSION_BUS_ADDRESS instead', 'no-session-bus'],
    ['Platform failure: DBus error: Failed to connect to socket /nonexistent: No such file or directory', 'no-session-bus'],
    ['Platform failure: DBus error: The name org.freedesktop.secrets was not provided by any .service files', 'no-secret-service'],
    ["Couldn't access platform storage: Secret Service: unlock prompt was dismissed", 'locked'],
    ["Couldn't access platform storage: Secret Service: no result found", 'locked'],
    ['Platform failure: DBus error: Did not receive a reply. Possible causes include: the remote application did not send a reply, the message bus security policy blocked the reply, the reply timeout expired, or the network connection was broken.', 'timeout'],
    ['Entry is matched by 2 credentials: Ambiguous', 'corrupt'],
    ['something nobody has seen before', 'io'],
  ];
  for (const [text, code] of seen) {
    test(`"${text.slice(0, 60)}…" is classified as ${code}`, () => {
      assert.equal(codeForLibraryMessage(text), code);
    });
  }

  test('a KeystoreError carries its code, its fix inside the message, and its cause', () => {
    const cause = new Error('low-level');
    const error = new KeystoreError({ code: 'locked', account: 'user', problem: 'The keyring is locked.', fix: 'Unlock it.', cause });
    assert.equal(error.name, 'KeystoreError');
    assert.equal(error.code, 'locked');
    assert.equal(error.fix, 'Unlock it.');
    assert.equal(error.problem, 'The keyring is locked.');
    assert.equal(error.account, 'user');
    assert.equal(error.cause, cause);
    assert.equal(error.message, 'The keyring is locked. Unlock it.');
    assert.ok(error instanceof Error);
  });
});

describe('secret encoding', () => {
  const where = { account: 'user', store: 'a test store', fix: 'restore it' };

  test('bytes survive the base64 round trip', () => {
    const bytes = new Uint8Array(Array.from({ length: 64 }, (_, i) => (i * 37) & 0xff));
    assert.deepEqual(decodeSecret(encodeSecret(bytes), where), bytes);
    assert.deepEqual(decodeSecret(`${encodeSecret(bytes)}\n`, where), bytes);
  });

  test('text that is not exactly what Signet writes is corrupt instead of silently decoded', () => {
    for (const text of ['', 'AAE', 'AA E=', 'AAE*', 'AAEC!!==', 'AAE=x', 'aGVsbG8', '====']) {
      assert.throws(() => decodeSecret(text, where), (error: unknown) => error instanceof KeystoreError && error.code === 'corrupt', text);
    }
  });
});

describe('KeychainStore arguments', () => {
  test('the marker account and empty accounts are refused before the keychain is touched', async () => {
    const store = new KeychainStore({ service: 'signet-test-unused' });
    await assert.rejects(store.get(KEYCHAIN_MARKER_ACCOUNT), RangeError);
    await assert.rejects(store.set(KEYCHAIN_MARKER_ACCOUNT, new Uint8Array([1])), RangeError);
    await assert.rejects(store.get(''), TypeError);
    await assert.rejects(store.set('user', new Uint8Array()), TypeError);
  });

  test('the default service is signet and the description names the Secret Service on Linux', () => {
    assert.equal(new KeychainStore().service, 'signet');
    assert.equal(new KeychainStore({ platform: 'linux' }).describe(), "Secret Service (org.freedesktop.secrets), service 'signet'");
    assert.match(new KeychainStore({ service: 'x', platform: 'darwin' }).describe(), /macOS Keychain, service 'x'/);
    assert.throws(() => new KeychainStore({ timeoutMs: 0 }), RangeError);
  });
});

describe('D-Bus preflight', () => {
  test('unix:path and unix:abstract addresses are read, other transports are not', () => {
    assert.equal(parseUnixAddress('unix:path=/run/user/1000/bus'), '/run/user/1000/bus');
    assert.equal(parseUnixAddress('unix:path=/tmp/dbus-x,guid=abc'), '/tmp/dbus-x');
    assert.equal(parseUnixAddress('unix:abstract=/tmp/dbus-Q,guid=1'), '\0/tmp/dbus-Q');
    assert.equal(parseUnixAddress('tcp:host=localhost,port=1;unix:path=/tmp/with%20space'), '/tmp/with space');
    assert.equal(parseUnixAddress('tcp:host=localhost,port=1'), undefined);
    assert.equal(parseUnixAddress('autolaunch:'), undefined);
  });

  test('no address at all is reported as such', async () => {
    assert.deepEqual(await preflightSecretService(undefined, 1000), { ok: false, reason: 'no-address', detail: 'DBUS_SESSION_BUS_ADDRESS is not set' });
  });

  test('an address whose socket does not exist is an unreachable bus', async () => {
    const result = await preflightSecretService(`unix:path=${join(folder, 'missing')}`, 1000);
    assert.equal(result.ok ? 'ok' : result.reason, 'unreachable-bus');
  });

  test('a socket that accepts but never answers the handshake is a bus timeout, not a hang', async () => {
    const path = join(folder, 'silent');
    const sockets: Socket[] = [];
    const server: Server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(path, resolve));
    try {
      const result = await preflightSecretService(`unix:path=${path}`, 300);
      assert.equal(result.ok ? 'ok' : result.reason, 'bus-timeout');
    } finally {
      for (const socket of sockets) socket.destroy();
      server.close();
    }
  });

  test('a server that rejects authentication is an unreachable bus', async () => {
    const path = join(folder, 'rejecting');
    const server = createServer((socket) => {
      socket.once('data', () => socket.write('REJECTED EXTERNAL\r\n'));
    });
    await new Promise<void>((resolve) => server.listen(path, resolve));
    try {
      const result = await preflightSecretService(`unix:path=${path}`, 2000);
      assert.ok(!result.ok);
      assert.equal(result.reason, 'unreachable-bus');
      assert.match(result.detail, /refused authentication/);
    } finally {
      server.close();
    }
  });
});
