// Signet's SSHSIG writer and reader against OpenSSH's own ssh-keygen, both ways: what Signet signs, ssh-keygen
// verifies; what ssh-keygen signs, Signet reads and verifies; and a changed message or namespace fails both.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { invocationTrailers, splitCommitObject } from '../../daemon/src/git/commitObject';
import { armorSignature, formatOpenSshPublicKey, parseArmoredSignature, parseOpenSshPublicKey, signedDataBlob, sshFingerprint, SshSignatureError, verifySshSignature } from '../../daemon/src/git/sshSignature';
import { Ed25519Signer } from '../../daemon/src/ucan/index';

const dir = mkdtempSync(join(tmpdir(), 'signet-sshsig-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const message = Buffer.from('tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor A <a@b> 1 +0000\ncommitter A <a@b> 1 +0000\n\nhello\n');

function keygen(args: string[], input?: Buffer) {
  return spawnSync('ssh-keygen', args, { input, encoding: 'utf8' });
}

test('a signature Signet makes is verified by ssh-keygen -Y verify, and refused for another message or namespace', () => {
  const signer = Ed25519Signer.generate();
  const armored = armorSignature(signer.publicKey, signer.sign(signedDataBlob(message, 'git')), 'git');
  const sig = join(dir, 'signet.sig');
  const allowed = join(dir, 'allowed');
  writeFileSync(sig, armored);
  writeFileSync(allowed, `coder@signet.local ${formatOpenSshPublicKey(signer.publicKey)}\n`);
  const good = keygen(['-Y', 'verify', '-f', allowed, '-I', 'coder@signet.local', '-n', 'git', '-s', sig], message);
  assert.equal(good.status, 0, good.stderr);
  assert.ok(good.stdout.includes(sshFingerprint(signer.publicKey)), 'ssh-keygen names the same fingerprint');
  assert.notEqual(keygen(['-Y', 'verify', '-f', allowed, '-I', 'coder@signet.local', '-n', 'git', '-s', sig], Buffer.concat([message, Buffer.from('x')])).status, 0);
  assert.notEqual(keygen(['-Y', 'verify', '-f', allowed, '-I', 'coder@signet.local', '-n', 'file', '-s', sig], message).status, 0);
});

test('a signature ssh-keygen makes is read and verified by Signet, with the key and DID it was made by', () => {
  const key = join(dir, 'id');
  assert.equal(keygen(['-q', '-t', 'ed25519', '-N', '', '-C', 'probe', '-f', key]).status, 0);
  const file = join(dir, 'payload');
  writeFileSync(file, message);
  assert.equal(keygen(['-Y', 'sign', '-n', 'git', '-f', key, file]).status, 0);
  const parsed = parseArmoredSignature(readFileSync(`${file}.sig`, 'utf8'));
  assert.deepEqual(parsed.publicKey, parseOpenSshPublicKey(readFileSync(`${key}.pub`, 'utf8')));
  assert.match(parsed.did, /^did:key:z6Mk/);
  assert.equal(parsed.hash, 'sha512');
  assert.equal(verifySshSignature(parsed, message, 'git'), true);
  assert.equal(verifySshSignature(parsed, Buffer.from('other'), 'git'), false);
  assert.equal(verifySshSignature(parsed, message, 'file'), false);
});

test('malformed signatures are refused with a stable code, never misread', () => {
  const codeOf = (text: string) => {
    try {
      parseArmoredSignature(text);
      return 'parsed';
    } catch (error) {
      return error instanceof SshSignatureError ? error.code : 'other';
    }
  };
  assert.equal(codeOf('-----BEGIN PGP SIGNATURE-----\nabc\n-----END PGP SIGNATURE-----'), 'not-armored');
  assert.equal(codeOf(`-----BEGIN SSH SIGNATURE-----\n${Buffer.from('NOTSIG1234').toString('base64')}\n-----END SSH SIGNATURE-----`), 'bad-magic');
  assert.equal(codeOf(`-----BEGIN SSH SIGNATURE-----\n${Buffer.from('SSHSIG\0\0\0\x01\0\0\0\xff').toString('base64')}\n-----END SSH SIGNATURE-----`), 'bad-encoding');
});

test('a commit object splits into the payload git signs and its signature, and its trailer names the invocation', () => {
  const armored = '-----BEGIN SSH SIGNATURE-----\nAAAA\n-----END SSH SIGNATURE-----\n';
  const object = Buffer.from(`tree t\nauthor A <a@b> 1 +0000\ncommitter A <a@b> 7 +0000\ngpgsig ${armored.trimEnd().split('\n').join('\n ')}\n\nsubject\n\nbody\n\nSigned-off-by: A\nSignet-Invocation: bafyone\n`, 'latin1');
  const split = splitCommitObject(object);
  assert.equal(split.signature, armored);
  assert.equal(split.committerTime, 7);
  assert.equal(split.payload.toString('latin1'), 'tree t\nauthor A <a@b> 1 +0000\ncommitter A <a@b> 7 +0000\n\nsubject\n\nbody\n\nSigned-off-by: A\nSignet-Invocation: bafyone\n');
  assert.deepEqual(invocationTrailers(split.message), ['bafyone']);
  assert.deepEqual(invocationTrailers('subject\n\nSignet-Invocation: bafyinbody\n\nlast paragraph, no trailer\n'), [], 'only the last paragraph holds trailers');
});
