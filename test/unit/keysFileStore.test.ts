import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { accountFileName, FileStore } from '../../daemon/src/keys/fileStore';
import { KeystoreError } from '../../daemon/src/keys/keystoreError';
import { openSecretStore } from '../../daemon/src/keys/openSecretStore';
import { filePlatform, syncFolder } from '../../daemon/src/home/platformFiles';

const homes: string[] = [];
function freshHome(): string {
  const home = mkdtempSync(join(tmpdir(), 'signet-filestore-'));
  homes.push(home);
  return home;
}
after(() => {
  for (const home of homes) rmSync(home, { recursive: true, force: true });
});

function storeIn(home = freshHome()): { store: FileStore; dir: string } {
  const dir = join(home, 'keys');
  return { store: new FileStore(dir), dir };
}

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<KeystoreError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof KeystoreError, `expected a KeystoreError '${code}', got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  return caught;
}

const mode = (path: string) => statSync(path).mode & 0o777;

describe('FileStore', () => {
  test('a stored secret is read back byte for byte and is gone after delete', async () => {
    const { store } = storeIn();
    const seed = randomBytes(32);
    await store.set('key:did:key:z6MkTest', seed);
    assert.deepEqual(await store.get('key:did:key:z6MkTest'), new Uint8Array(seed));
    assert.equal(await store.delete('key:did:key:z6MkTest'), true);
    assert.equal(await store.get('key:did:key:z6MkTest'), null);
    assert.equal(await store.delete('key:did:key:z6MkTest'), false);
  });

  test('an account that was never stored reads as null, with or without the key folder', async () => {
    const { store, dir } = storeIn();
    assert.equal(await store.get('user'), null);
    await store.set('other', new Uint8Array([1]));
    assert.ok(statSync(dir).isDirectory());
    assert.equal(await store.get('user'), null);
  });

  test('the key folder is created with mode 0700 and key files with mode 0600, whatever the umask', async () => {
    const previous = process.umask(0o000);
    try {
      const { store, dir } = storeIn();
      await store.set('ui-token:abc', randomBytes(24));
      assert.equal(mode(dir), 0o700);
      assert.equal(mode(store.fileFor('ui-token:abc')), 0o600);
    } finally {
      process.umask(previous);
    }
  });

  test('a key file with group or other permission bits is refused with a chmod fix', async () => {
    for (const loose of [0o644, 0o640, 0o604]) {
      const { store } = storeIn();
      await store.set('user', randomBytes(32));
      chmodSync(store.fileFor('user'), loose);
      const error = await rejectsWith(store.get('user'), 'permissions');
      assert.match(error.fix, /chmod 600/);
      assert.match(error.message, new RegExp(loose.toString(8)));
    }
  });

  test('a key folder that other users can enter is refused', async () => {
    const home = freshHome();
    const dir = join(home, 'keys');
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    const error = await rejectsWith(new FileStore(dir).set('user', randomBytes(32)), 'permissions');
    assert.match(error.fix, /chmod 700/);
  });

  test('a key file owned by another user is refused', { skip: process.getuid?.() !== 0 ? 'needs root to chown' : false }, async () => {
    const { store } = storeIn();
    await store.set('user', randomBytes(32));
    chownSync(store.fileFor('user'), 4242, 4242);
    const error = await rejectsWith(store.get('user'), 'permissions');
    assert.match(error.message, /belongs to user 4242/);
  });

  test('a symbolic link planted in the key folder is not followed', async () => {
    const { store, dir } = storeIn();
    await store.set('real', randomBytes(32));
    symlinkSync(store.fileFor('real'), join(dir, accountFileName('user')));
    await rejectsWith(store.get('user'), 'permissions');
  });

  test('a key file that is not base64 written by Signet is reported as corrupt, not decoded', async () => {
    const { store } = storeIn();
    await store.set('user', randomBytes(32));
    for (const junk of ['not base64 at all\n', 'AAEC!!==\n', 'AAE\n', '\n']) {
      writeFileSync(store.fileFor('user'), junk, { mode: 0o600 });
      await rejectsWith(store.get('user'), 'corrupt');
    }
  });

  test('a write replaces the file through a new file and rename, and leaves no temporary file behind', async () => {
    const { store, dir } = storeIn();
    const first = randomBytes(32);
    const second = randomBytes(32);
    await store.set('user', first);
    const before = statSync(store.fileFor('user')).ino;
    await store.set('user', second);
    // An in-place rewrite keeps the inode; temp file + rename gives the name a new one.
    assert.notEqual(statSync(store.fileFor('user')).ino, before);
    assert.deepEqual(await store.get('user'), new Uint8Array(second));
    assert.equal(readFileSync(store.fileFor('user'), 'utf8'), `${second.toString('base64')}\n`);
    assert.deepEqual(readdirSync(dir), [accountFileName('user')]);
  });

  test('a temporary file left by a crash does not change what is read', async () => {
    const { store, dir } = storeIn();
    const seed = randomBytes(32);
    await store.set('user', seed);
    writeFileSync(join(dir, `.${accountFileName('user')}.deadbeef.tmp`), 'half a ke', { mode: 0o600 });
    assert.deepEqual(await store.get('user'), new Uint8Array(seed));
  });

  test('account names cannot escape the key folder or collide', async () => {
    const home = freshHome();
    const { store, dir } = storeIn(home);
    const accounts = ['../../etc/passwd', '../escape', '/absolute', 'a/b', '.hidden', '..', '.', 'a.b', 'a%2Eb', 'key:did:key:z6Mk', 'ünï cødé', 'nul\u0000byte'];
    for (const [index, account] of accounts.entries()) await store.set(account, new Uint8Array([index + 1]));
    const files = readdirSync(dir);
    assert.equal(files.length, accounts.length, 'every account has its own file');
    for (const file of files) {
      assert.match(file, /^[A-Za-z0-9_%-]+\.key$/);
      assert.ok(!file.startsWith('.'));
    }
    assert.deepEqual(readdirSync(home), ['keys'], 'nothing was written outside the key folder');
    for (const [index, account] of accounts.entries()) assert.deepEqual(await store.get(account), new Uint8Array([index + 1]));
  });

  test('an empty account name or an empty secret is a programming error, not a stored entry', async () => {
    const { store } = storeIn();
    assert.throws(() => store.fileFor(''), TypeError);
    await assert.rejects(store.set('user', new Uint8Array()), TypeError);
    await assert.rejects(store.get(''), TypeError);
  });

  test('probe creates the key folder and reports a bad one', async () => {
    const { store, dir } = storeIn();
    await store.probe();
    assert.equal(mode(dir), 0o700);
    const home = freshHome();
    writeFileSync(join(home, 'keys'), 'a file where the folder should be');
    await rejectsWith(new FileStore(join(home, 'keys')).probe(), 'permissions');
  });

  test('openSecretStore with kind file keeps keys in <home>/keys', async () => {
    const home = freshHome();
    const store = openSecretStore({ kind: 'file', home });
    assert.equal(store.kind, 'file');
    await store.set('user', new Uint8Array([7, 7, 7]));
    assert.deepEqual(readdirSync(join(home, 'keys')), [accountFileName('user')]);
    assert.match(store.describe(), new RegExp(join(home, 'keys')));
  });

  describe('on Windows, where files have no mode bits', () => {
    const windows = filePlatform('win32');

    test('a key file is not refused for the mode bits Windows makes up, as it is on POSIX systems', async () => {
      const home = freshHome();
      const dir = join(home, 'keys');
      await new FileStore(dir).set('user', new Uint8Array([7, 7]));
      chmodSync(join(dir, accountFileName('user')), 0o644);
      await rejectsWith(new FileStore(dir).get('user'), 'permissions');
      assert.deepEqual(await new FileStore(dir, windows).get('user'), new Uint8Array([7, 7]));
      assert.match(new FileStore(dir, windows).describe(), /as private as the folder's ACL/);
    });

    test('a symbolic link in the key folder is still refused, without O_NOFOLLOW', async () => {
      const home = freshHome();
      const dir = join(home, 'keys');
      const store = new FileStore(dir, windows);
      await store.set('user', new Uint8Array([1]));
      writeFileSync(join(home, 'elsewhere.key'), 'not a key');
      rmSync(join(dir, accountFileName('other')), { force: true });
      symlinkSync(join(home, 'elsewhere.key'), join(dir, accountFileName('other')));
      const error = await rejectsWith(store.get('other'), 'permissions');
      assert.match(error.message, /symbolic link/);
    });

    test('a folder is not opened to be flushed, which Windows cannot do', async () => {
      await syncFolder(join(freshHome(), 'no-such-folder'), windows);
      await assert.rejects(syncFolder(join(freshHome(), 'no-such-folder')), { code: 'ENOENT' });
    });
  });
});
