// Each way the OS keychain can be unavailable must become its own clear KeystoreError — never a `null`
// that would make the daemon mint a new identity. Every case runs a real KeychainStore in a child
// process against a real (private, throw-away) D-Bus session bus and gnome-keyring in the state under
// test: no bus, a bus without a keyring, a locked keyring, a keyring or bus that stopped answering.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { missingKeyringTools, runKeychainSteps, skipUnless, startPrivateSecretService, uniqueServiceName } from '../support/secretService';
import type { KeychainStep, KeychainStepResult } from '../support/secretService';

const needsTools = skipUnless(missingKeyringTools().length === 0, `${missingKeyringTools().join(', ') || 'nothing'} missing for private Secret Services`);

/** The four calls the daemon makes; each must fail the same way. */
const everyCall = (account: string): KeychainStep[] => [
  { op: 'get', account },
  { op: 'set', account, secret: randomBytes(32) },
  { op: 'delete', account },
  { op: 'probe' },
];

function assertFailure(result: KeychainStepResult | undefined, code: string, fix: RegExp): void {
  assert.ok(result, 'the step ran');
  assert.equal(result.ok, false, `${result.op} should have failed with '${code}' but answered ${JSON.stringify(result.ok ? result.value : null)}`);
  if (result.ok) return;
  assert.equal(result.keystoreError, true, `${result.op} threw ${result.name}: ${result.message}`);
  assert.equal(result.code, code, `${result.op}: ${result.message}`);
  assert.match(result.fix ?? '', fix);
  assert.ok(result.message.includes(result.fix ?? '\u0000'), 'the message itself carries the fix');
}

const SWITCH_TO_FILE = /signet daemon --keystore file/;

describe('keychain failure modes', () => {
  test('without DBUS_SESSION_BUS_ADDRESS every call fails at once as no-session-bus', async () => {
    const env = { ...process.env };
    delete env.DBUS_SESSION_BUS_ADDRESS;
    const results = await runKeychainSteps(env, { service: uniqueServiceName('nobus'), timeoutMs: 5000 }, everyCall('user'));
    for (const result of results) assertFailure(result, 'no-session-bus', SWITCH_TO_FILE);
    assert.match(results[0]?.ok === false ? results[0].message : '', /DBUS_SESSION_BUS_ADDRESS is not set/);
  });

  test('a session bus address that leads nowhere fails as no-session-bus', async () => {
    const env = { ...process.env, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/signet-test-bus' };
    const results = await runKeychainSteps(env, { service: uniqueServiceName('deadbus'), timeoutMs: 5000 }, everyCall('user'));
    for (const result of results) assertFailure(result, 'no-session-bus', SWITCH_TO_FILE);
    assert.match(results[0]?.ok === false ? results[0].message : '', /\/nonexistent\/signet-test-bus/);
  });

  test('a session bus without a keyring daemon fails as no-secret-service', { skip: needsTools }, async () => {
    const bus = await startPrivateSecretService('none');
    try {
      const results = await runKeychainSteps(bus.env, { service: uniqueServiceName('nokeyring'), timeoutMs: 5000 }, everyCall('user'));
      for (const result of results) assertFailure(result, 'no-secret-service', /gnome-keyring-daemon[\s\S]*signet daemon --keystore file/);
      assert.match(results[0]?.ok === false ? results[0].message : '', /org\.freedesktop\.secrets/);
    } finally {
      bus.stop();
    }
  });

  test('a locked keyring fails as locked, for a stored entry and a missing one alike', { skip: needsTools }, async () => {
    const bus = await startPrivateSecretService('unlocked');
    try {
      const service = uniqueServiceName('locked');
      const seed = randomBytes(32);
      const before = await runKeychainSteps(bus.env, { service, timeoutMs: 5000 }, [
        { op: 'set', account: 'user', secret: seed },
        { op: 'get', account: 'user' },
        { op: 'get', account: 'agent' },
      ]);
      assert.deepEqual(before.map((r) => r.ok && r.value), [undefined, seed.toString('base64'), null], 'the unlocked keyring works first');

      await bus.lockDefaultCollection();
      const locked = await runKeychainSteps(bus.env, { service, timeoutMs: 5000 }, [
        { op: 'get', account: 'user' },
        // The Secret Service itself answers "no such item" here; the store must not pass that on.
        { op: 'get', account: 'agent' },
        { op: 'set', account: 'agent', secret: randomBytes(32) },
        { op: 'delete', account: 'user' },
        { op: 'probe' },
      ]);
      for (const result of locked) assertFailure(result, 'locked', /Unlock your login keyring/);
      assert.match(locked[0]?.ok === false ? locked[0].message : '', /unlock prompt was dismissed/);
    } finally {
      bus.stop();
    }
  });

  test('a keyring that has no default keyring yet cannot confirm that an entry is missing', { skip: needsTools }, async () => {
    const bus = await startPrivateSecretService('uninitialised');
    try {
      const results = await runKeychainSteps(bus.env, { service: uniqueServiceName('nologin'), timeoutMs: 5000 }, [
        { op: 'get', account: 'user' },
        { op: 'set', account: 'user', secret: randomBytes(32) },
        { op: 'probe' },
      ]);
      for (const result of results) assertFailure(result, 'locked', /create one first/);
    } finally {
      bus.stop();
    }
  });

  test('a keyring that stopped answering fails as timeout within the bound', { skip: needsTools }, async () => {
    const bus = await startPrivateSecretService('unlocked');
    try {
      bus.freezeKeyring();
      const results = await runKeychainSteps(bus.env, { service: uniqueServiceName('frozen'), timeoutMs: 500 }, everyCall('user'));
      for (const result of results) assertFailure(result, 'timeout', /hung: restart it/);
      assert.match(results[0]?.ok === false ? results[0].message : '', /within 500 ms/);
    } finally {
      bus.stop();
    }
  });

  test('a keyring that freezes after its entry was opened fails at the store bound, not the library one', { skip: needsTools }, async () => {
    const bus = await startPrivateSecretService('unlocked');
    try {
      const keyringPid = bus.keyringPid;
      assert.ok(keyringPid);
      const results = await runKeychainSteps(bus.env, { service: uniqueServiceName('freezes'), timeoutMs: 1000 }, [
        { op: 'set', account: 'user', secret: randomBytes(32) },
        { op: 'signal', pid: keyringPid, signal: 'SIGSTOP' },
        { op: 'get', account: 'user' },
      ]);
      assert.equal(results[0]?.ok, true);
      assertFailure(results[2], 'timeout', /unlock prompt is waiting/);
      // The library gives up after about 2 s with "Did not receive a reply"; the store's 1 s bound wins.
      assert.match(results[2]?.ok === false ? results[2].message : '', /no answer within 1000 ms/);
    } finally {
      bus.stop();
    }
  });

  test('a session bus that accepts connections but never answers fails as timeout instead of blocking', { skip: needsTools }, async () => {
    const bus = await startPrivateSecretService('unlocked');
    try {
      bus.freezeBus();
      const results = await runKeychainSteps(bus.env, { service: uniqueServiceName('frozenbus'), timeoutMs: 500, limitMs: 20_000 }, everyCall('user'));
      for (const result of results) assertFailure(result, 'timeout', /restart it/);
      assert.match(results[0]?.ok === false ? results[0].message : '', /session bus did not answer within 500 ms/);
    } finally {
      bus.stop();
    }
  });

  test('a keyring that goes away between two calls is an error, not a missing entry', { skip: needsTools }, async () => {
    const bus = await startPrivateSecretService('unlocked');
    try {
      const keyringPid = bus.keyringPid;
      assert.ok(keyringPid);
      const results = await runKeychainSteps(bus.env, { service: uniqueServiceName('dies'), timeoutMs: 3000 }, [
        { op: 'set', account: 'user', secret: randomBytes(32) },
        { op: 'signal', pid: keyringPid, signal: 'SIGKILL' },
        { op: 'get', account: 'user' },
        { op: 'get', account: 'other' },
      ]);
      assert.equal(results[0]?.ok, true);
      for (const result of results.slice(2)) {
        assert.ok(result && !result.ok && result.keystoreError, `${JSON.stringify(result)}`);
        assert.ok(['no-secret-service', 'io', 'timeout'].includes(result.code ?? ''), result.message);
      }
    } finally {
      bus.stop();
    }
  });
});
