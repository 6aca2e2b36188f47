// Signing through libsodium: it must be what actually signs where a prebuilt binding exists, it must sign exactly
// what node:crypto signs, and without it signing must fall back to node:crypto with the same result.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createPrivateKey, randomBytes, sign as nodeSign } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { Ed25519Signer } from '../../daemon/src/ucan/index';
import { libsodiumSignerFor, signingLibrary } from '../../daemon/src/ucan/libsodium';
import { prng } from '../support/prng';

const repoRoot = new URL('../..', import.meta.url).pathname;
const requireHere = createRequire(import.meta.url);
const pkcs8Prefix = Buffer.from('302e020100300506032b657004220420', 'hex');

function nodeCryptoSignature(seed: Uint8Array, message: Uint8Array): Buffer {
  return nodeSign(null, message, createPrivateKey({ key: Buffer.concat([pkcs8Prefix, seed]), format: 'der', type: 'pkcs8' }));
}

const prebuildShipped = existsSync(join(dirname(requireHere.resolve('sodium-native/package.json')), 'prebuilds', `${process.platform}-${process.arch}`));

test('where sodium-native ships a binary for the platform, libsodium is what signs', { skip: !prebuildShipped && `no sodium-native binary for ${process.platform}-${process.arch}` }, () => {
  assert.deepEqual(signingLibrary(), { library: 'libsodium' });
});

test('libsodium signs byte for byte what node:crypto signs, for many keys and message lengths', () => {
  const random = prng(0x5eed);
  const bytes = (length: number) => Uint8Array.from({ length }, () => Math.floor(random() * 256));
  for (let i = 0; i < 300; i++) {
    const seed = bytes(32);
    const message = bytes(i < 40 ? i : Math.floor(random() * 4096));
    const signer = Ed25519Signer.fromSeed(seed);
    assert.deepEqual(Buffer.from(signer.sign(message)), nodeCryptoSignature(seed, message), `key ${i}, ${message.length}-byte message`);
  }
});

test('a signer from libsodium is refused when its key is not the one node:crypto derived from the seed', { skip: !prebuildShipped && 'no sodium-native binary here' }, () => {
  const seed = new Uint8Array(randomBytes(32));
  const signer = Ed25519Signer.fromSeed(seed);
  assert.ok(libsodiumSignerFor(seed, signer.publicKey), 'the matching key is used');
  const otherKey = Ed25519Signer.generate().publicKey;
  assert.equal(libsodiumSignerFor(seed, otherKey), undefined);
});

test('without the libsodium binding, signing falls back to node:crypto and signs the same bytes', () => {
  // A child process in which `require('sodium-native')` fails, as on a platform without a prebuilt binary.
  const child = `
    import Module from 'node:module';
    const resolve = Module._resolveFilename;
    Module._resolveFilename = function (request, ...rest) {
      if (request === 'sodium-native') throw new Error('no binding on this platform');
      return resolve.call(this, request, ...rest);
    };
    const { Ed25519Signer } = await import(${JSON.stringify(`${repoRoot}daemon/src/ucan/index.ts`)});
    const { signingLibrary } = await import(${JSON.stringify(`${repoRoot}daemon/src/ucan/libsodium.ts`)});
    const seed = Buffer.alloc(32, 7);
    const signature = Buffer.from(Ed25519Signer.fromSeed(seed).sign(Buffer.from('hello'))).toString('hex');
    process.stdout.write(JSON.stringify({ signing: signingLibrary(), signature }));
  `;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', child], { cwd: repoRoot, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const { signing, signature } = JSON.parse(run.stdout) as { signing: { library: string; reason: string }; signature: string };
  assert.equal(signing.library, 'node:crypto');
  assert.match(signing.reason, /sodium-native did not load: no binding on this platform/);
  assert.equal(signature, nodeCryptoSignature(Buffer.alloc(32, 7), Buffer.from('hello')).toString('hex'));
});
