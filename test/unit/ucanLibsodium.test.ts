// Ed25519 through libsodium: it must be the implementation chosen where a prebuilt binding exists, it must sign
// exactly what node:crypto signs and reach the same verdicts, and without it node:crypto must be chosen, with the
// same results.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createPrivateKey, sign as nodeSign } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { Ed25519Signer, smallOrderPublicKeys, verifyEd25519 } from '../../daemon/src/ucan/index';
import { ed25519SignatureProblem } from '../../daemon/src/ucan/ed25519';
import { ed25519Library, nodeCryptoEd25519 } from '../../daemon/src/ucan/ed25519Implementation';
import { loadLibsodiumEd25519 } from '../../daemon/src/ucan/libsodium';
import { prng } from '../support/prng';

const repoRoot = new URL('../..', import.meta.url).pathname;
const requireHere = createRequire(import.meta.url);
const pkcs8Prefix = Buffer.from('302e020100300506032b657004220420', 'hex');

function nodeCryptoSignature(seed: Uint8Array, message: Uint8Array): Buffer {
  return nodeSign(null, message, createPrivateKey({ key: Buffer.concat([pkcs8Prefix, seed]), format: 'der', type: 'pkcs8' }));
}

/**
 * Runs `body` in a child process in which `require('sodium-native')` fails, as on a platform without a prebuilt
 * binary. The body sees `ucan` (the public API), `ed25519`, `implementation` (the modules) and `input` (what was given
 * here, through JSON), and returns what it found, which comes back through JSON.
 */
function withoutLibsodium(body: string, input: unknown = null): unknown {
  const source = (module: string) => JSON.stringify(`${repoRoot}daemon/src/ucan/${module}.ts`);
  const child = `
    import Module from 'node:module';
    import { readFileSync } from 'node:fs';
    const resolve = Module._resolveFilename;
    Module._resolveFilename = function (request, ...rest) {
      if (request === 'sodium-native') throw new Error('no binding on this platform');
      return resolve.call(this, request, ...rest);
    };
    const [ucan, ed25519, implementation] = await Promise.all([import(${source('index')}), import(${source('ed25519')}), import(${source('ed25519Implementation')})]);
    const input = JSON.parse(readFileSync(0, 'utf8'));
    process.stdout.write(JSON.stringify(await (async () => { ${body} })()));
  `;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', child], { cwd: repoRoot, encoding: 'utf8', input: JSON.stringify(input) });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout);
}

const prebuildShipped = existsSync(join(dirname(requireHere.resolve('sodium-native/package.json')), 'prebuilds', `${process.platform}-${process.arch}`));

test('where sodium-native ships a binary for the platform, libsodium is the implementation chosen', { skip: !prebuildShipped && `no sodium-native binary for ${process.platform}-${process.arch}` }, () => {
  assert.deepEqual(ed25519Library(), { library: 'libsodium' });
});

test('libsodium signs byte for byte what node:crypto signs, for many keys and message lengths', { skip: !prebuildShipped && 'no sodium-native binary here' }, () => {
  const random = prng(0x5eed);
  const bytes = (length: number) => Uint8Array.from({ length }, () => Math.floor(random() * 256));
  for (let i = 0; i < 300; i++) {
    const seed = bytes(32);
    const message = bytes(i < 40 ? i : Math.floor(random() * 4096));
    const signer = Ed25519Signer.fromSeed(seed);
    const libsodium = loadLibsodiumEd25519();
    assert.ok(typeof libsodium !== 'string', 'libsodium loads');
    const viaLibsodium = libsodium.keyPair(seed);
    assert.deepEqual(viaLibsodium.publicKey, nodeCryptoEd25519.keyPair(seed).publicKey, `key ${i}: both derive one public key`);
    const expected = nodeCryptoSignature(seed, message);
    assert.deepEqual(Buffer.from(viaLibsodium.sign(message)), expected, `key ${i}, ${message.length}-byte message`);
    assert.deepEqual(Buffer.from(signer.sign(message)), expected, `the signer, key ${i}`);
  }
});

test('without the libsodium binding, node:crypto is chosen and signs the same bytes', () => {
  const { signing, signature } = withoutLibsodium(`
    const signature = Buffer.from(ucan.Ed25519Signer.fromSeed(Buffer.alloc(32, 7)).sign(Buffer.from('hello'))).toString('hex');
    return { signing: implementation.ed25519Library(), signature };
  `) as { signing: { library: string; reason: string }; signature: string };
  assert.equal(signing.library, 'node:crypto');
  assert.match(signing.reason, /sodium-native did not load: no binding on this platform/);
  assert.equal(signature, nodeCryptoSignature(Buffer.alloc(32, 7), Buffer.from('hello')).toString('hex'));
});

const groupOrder = 2n ** 252n + 27742317777372353535851937790883648493n;
const fieldPrime = 2n ** 255n - 19n;

function littleEndian(value: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0, rest = value; i < 32; i++, rest >>= 8n) out[i] = Number(rest & 0xffn);
  return out;
}

/** Signatures a verifier must judge: valid ones, tampered ones, malleated ones, and the small-order tricks. */
function verdictCases(): { key: string; message: string; signature: string }[] {
  const random = prng(0xed25519);
  const bytes = (length: number) => Uint8Array.from({ length }, () => Math.floor(random() * 256));
  const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
  const flip = (b: Uint8Array, bit: number) => {
    const out = Uint8Array.from(b);
    out[bit >> 3]! ^= 1 << (bit & 7);
    return out;
  };
  const cases: { key: string; message: string; signature: string }[] = [];
  for (let i = 0; i < 40; i++) {
    const signer = Ed25519Signer.fromSeed(bytes(32));
    const message = bytes(Math.floor(random() * 600));
    const signature = signer.sign(message);
    const add = (key: Uint8Array, m: Uint8Array, sig: Uint8Array) => cases.push({ key: hex(key), message: hex(m), signature: hex(sig) });
    add(signer.publicKey, message, signature);
    if (message.length) add(signer.publicKey, flip(message, Math.floor(random() * message.length * 8)), signature);
    add(signer.publicKey, message, flip(signature, Math.floor(random() * 256))); // in R
    add(signer.publicKey, message, flip(signature, 256 + Math.floor(random() * 250))); // in S
    add(flip(signer.publicKey, Math.floor(random() * 255)), message, signature);
    // S + L: the same signature, malleated.
    let s = 0n;
    for (let b = 63; b >= 32; b--) s = (s << 8n) | BigInt(signature[b]!);
    if (s + groupOrder < 2n ** 256n) add(signer.publicKey, message, Uint8Array.from([...signature.subarray(0, 32), ...littleEndian(s + groupOrder)]));
    // A small-order R with the rest as signed.
    const smallR = Buffer.from(smallOrderPublicKeys[i % smallOrderPublicKeys.length]!, 'hex');
    add(signer.publicKey, message, Uint8Array.from([...smallR, ...signature.subarray(32)]));
    // A non-canonical R (y + p for a small y), which no honest signer writes.
    add(signer.publicKey, message, Uint8Array.from([...littleEndian(fieldPrime + BigInt(2 + (i % 17))), ...signature.subarray(32)]));
  }
  // A small-order key with an identity-like signature, which node:crypto alone would accept for any message.
  for (const key of smallOrderPublicKeys) cases.push({ key, message: hex(bytes(20)), signature: `01${'00'.repeat(63)}` });
  return cases;
}

test('libsodium and node:crypto reach the same verdict, with the same reason, on valid, tampered and malleated signatures', { skip: !prebuildShipped && 'no sodium-native binary here' }, () => {
  assert.equal(ed25519Library().library, 'libsodium', 'the verdicts here are libsodium\'s');
  const cases = verdictCases();
  const here = cases.map((c) => ed25519SignatureProblem(Buffer.from(c.key, 'hex'), Buffer.from(c.message, 'hex'), Buffer.from(c.signature, 'hex')));
  assert.equal(here.filter((problem) => problem === null).length, 40, 'exactly the 40 untouched signatures verify');
  assert.ok(here.some((problem) => problem === "the signature's R is a small-order point"));
  assert.ok(here.some((problem) => problem?.includes('not canonical')));
  assert.ok(here.some((problem) => problem === 'the signature does not match the signed bytes and the key'));

  const { library, verdicts } = withoutLibsodium(
    `return {
      library: implementation.ed25519Library().library,
      verdicts: input.map((c) => ed25519.ed25519SignatureProblem(Buffer.from(c.key, 'hex'), Buffer.from(c.message, 'hex'), Buffer.from(c.signature, 'hex'))),
    };`,
    cases,
  ) as { library: string; verdicts: (string | null)[] };
  assert.equal(library, 'node:crypto');
  assert.deepEqual(verdicts, here);
});

test('a signature whose R is a small-order point is refused, with that reason', () => {
  const signer = Ed25519Signer.generate();
  const message = Buffer.from('pay 100 to mallory');
  const signature = signer.sign(message);
  assert.equal(verifyEd25519(signer.did, message, signature), true);
  for (const encoding of smallOrderPublicKeys) {
    const forged = Uint8Array.from([...Buffer.from(encoding, 'hex'), ...signature.subarray(32)]);
    assert.equal(ed25519SignatureProblem(signer.did, message, forged), "the signature's R is a small-order point");
  }
});
