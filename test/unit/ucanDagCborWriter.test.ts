// The direct DAG-CBOR writer (daemon/src/ucan/dagCborWriter.ts) must write exactly the bytes @ipld/dag-cbor
// writes for plain data, and write nothing for anything else, which its caller then hands to the codec. Random values cover every kind, the integer and length boundaries of CBOR's argument
// sizes, key ordering with multi-byte keys, and the values the writer must not take for plain data.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encode } from '@ipld/dag-cbor';
import { CID } from 'multiformats/cid';
import { encodePlainDagCbor } from '../../daemon/src/ucan/dagCborWriter';
import { Ed25519Signer, cidOf, decodeInvocation, encodeInvocationWith } from '../../daemon/src/ucan/index';
import { prng } from '../support/prng';

type Random = () => number;

const link = CID.parse('bafyreigyftnzjf4rcu7glp5kfop53vqlopc3zcldauoqdxqlz7t4343gr4');
const boundaries = [0, 1, 23, 24, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1];
// Floats that are not whole numbers (a whole number beyond 2^53 − 1 is not plain data: see the last tests).
const floats = [0.5, -0.5, 0.1, 123456.789, -1e-300, 5e-324, Number.EPSILON, 2 ** 52 + 0.5];
// Keys of every UTF-8 width, ASCII ones that sort differently by length and by bytes, and the link look-alikes.
const keys = ['', 'a', 'b', 'aa', 'z', 'iss', 'nonce', 'é', 'ü', 'ほ', '😀', 'aé', 'éa', '\u007f', '\u0080', 'ｚ', '/', 'asCID', 'bytes', '__proto__'];

function text(next: Random): string {
  const pieces = ['a', 'é', 'ほ', '😀', ' ', '\u0000'];
  // Lengths around the one-, two- and three-byte argument boundaries, in UTF-8 bytes as well as in characters.
  const lengths = [0, 1, 8, 23, 24, 25, 85, 86, 255, 256, 300, 21846, 65536];
  const count = lengths[Math.floor(next() * lengths.length)]!;
  const piece = pieces[Math.floor(next() * pieces.length)]!;
  return piece.repeat(count);
}

function plainValue(next: Random, depth: number): unknown {
  const pick = Math.floor(next() * (depth > 3 ? 7 : 9));
  switch (pick) {
    case 0:
      return next() < 0.3 ? null : next() < 0.5;
    case 1: {
      const value = boundaries[Math.floor(next() * boundaries.length)]! + (next() < 0.3 ? -1 : 0);
      return next() < 0.5 ? value : -value;
    }
    case 2:
      return floats[Math.floor(next() * floats.length)]! * (next() < 0.5 ? 1 : -1);
    case 3:
      return text(next);
    case 4:
      return Uint8Array.from({ length: [0, 5, 23, 24, 300][Math.floor(next() * 5)]! }, () => Math.floor(next() * 256));
    case 5:
      return link;
    case 6:
      return Math.floor((next() - 0.5) * 1e6);
    case 7:
      return Array.from({ length: Math.floor(next() * 5) }, () => plainValue(next, depth + 1));
    default: {
      const map: Record<string, unknown> = {};
      const count = Math.floor(next() * 7);
      for (let i = 0; i < count; i++) {
        const key = keys[Math.floor(next() * (keys.length - 4))]! + (next() < 0.6 ? '' : keys[Math.floor(next() * 14)]!);
        Object.defineProperty(map, key, { value: plainValue(next, depth + 1), enumerable: true, writable: true, configurable: true });
      }
      return map;
    }
  }
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** Plain data: the writer writes it itself (it does not hand it on), and its bytes are the codec's. */
function assertWrittenAsCodecWrites(value: unknown): void {
  const written = encodePlainDagCbor(value);
  assert.ok(written !== undefined, 'the writer handles plain data itself');
  assert.equal(hex(written), hex(encode(value)));
}

test('on random plain data the writer writes exactly the bytes @ipld/dag-cbor writes', () => {
  const next = prng(0xdac0b0);
  for (let round = 0; round < 3000; round++) assertWrittenAsCodecWrites(plainValue(next, 0));
});

test('integers at every argument-size boundary, -0, and 64-bit floats are written as the codec writes them', () => {
  for (const n of boundaries) for (const v of [n, -n, n - 1, -n + 1]) assertWrittenAsCodecWrites(v);
  for (const v of [...floats, -0, 0.25, -1.5]) assertWrittenAsCodecWrites(v);
  assertWrittenAsCodecWrites([Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]);
});

test('map keys are ordered by encoded length then bytewise, multi-byte keys included', () => {
  const map: Record<string, number> = {};
  keys.forEach((key, i) => {
    if (key !== '/' && key !== 'asCID' && key !== '__proto__') map[key] = i;
  });
  assertWrittenAsCodecWrites(map);
  assertWrittenAsCodecWrites({ bb: 1, a: 2, aaa: 3, é: 4, z: 5, ab: 6 });
});

test('what is not plain data is left to the codec: the writer writes nothing for it', () => {
  const cases: unknown[] = [
    undefined,
    { a: undefined },
    [1, undefined],
    NaN,
    Infinity,
    2 ** 60,
    1e300,
    -Number.MAX_VALUE,
    2n ** 63n,
    -(2n ** 10n),
    'lone \ud800 surrogate',
    { 'key \udc00': 1 },
    new Map([['a', 1]]),
    new Date(0),
    new Int8Array(2),
    { '/': 'bafyreigyftnzjf4rcu7glp5kfop53vqlopc3zcldauoqdxqlz7t4343gr4' },
    { '/': link.bytes, bytes: link.bytes },
    { asCID: 1 },
    Symbol('s'),
    () => 1,
  ];
  // A hole in a list is undefined.
  for (const value of [...cases, new Array(2)]) assert.equal(encodePlainDagCbor(value), undefined, `the writer hands ${String(value)} on`);
});

test('nesting deeper than the writer goes is left to the codec', () => {
  let deep: unknown = 1;
  for (let i = 0; i < 300; i++) deep = [deep];
  assert.equal(encodePlainDagCbor(deep), undefined);
});

test('an encoding started from inside one under way (a getter calling back) is handed on, and the outer one stays right', () => {
  const inner = { path: '/repo/src/a.ts' };
  let innerResult: Uint8Array | undefined | 'not called' = 'not called';
  const outer = {
    before: 'x'.repeat(40),
    get nested() {
      innerResult = encodePlainDagCbor(inner);
      return [1, 2, 3];
    },
  };
  const written = encodePlainDagCbor(outer);
  assert.equal(innerResult, undefined, 'the inner encoding was handed on, not written over the outer one');
  assert.ok(written);
  assert.equal(hex(written), hex(encode({ before: 'x'.repeat(40), nested: [1, 2, 3] })));
  assert.equal(hex(encodePlainDagCbor(inner) ?? new Uint8Array()), hex(encode(inner)), 'the writer is usable again afterwards');
});

test('a payload larger than the kept buffer is written whole, and the next one is still right', () => {
  const large = { text: 'x'.repeat(200_000), list: Array.from({ length: 1000 }, (_, i) => i) };
  assertWrittenAsCodecWrites(large);
  assertWrittenAsCodecWrites({ small: 'after' });
});

test('an invocation signed through the writer decodes, verifies and has the codec\'s bytes', () => {
  const agent = Ed25519Signer.generate();
  const user = Ed25519Signer.generate();
  const payload = {
    iss: agent.did,
    sub: user.did,
    cmd: '/mcp/tools/call',
    args: { server: 'fs', tool: 'write_file', arguments: { path: '/repo/src/ä.ts', content: 'x'.repeat(70_000), mode: 420, ratio: 0.5 } },
    prf: [cidOf(Uint8Array.of(1, 2, 3))],
    nonce: Uint8Array.from({ length: 12 }, (_, i) => i),
    exp: 2_000_000_000,
    iat: 1_700_000_000,
  };
  const token = encodeInvocationWith(payload, agent);
  const { payload: decoded } = decodeInvocation(token);
  assert.deepEqual(decoded.args, payload.args);
  assert.deepEqual(decoded.prf, payload.prf);
  // Bytes 67 on are the signed SigPayload; they are what the codec writes for it.
  const signed = token.subarray(67);
  const wire = { h: Uint8Array.of(0x34, 0x01, 0xed, 0x01, 0xed, 0x01, 0x13, 0x71), 'ucan/inv@1.0.0': { ...payload, prf: payload.prf.map((c) => CID.parse(c)) } };
  assert.deepEqual(Buffer.from(signed).toString('hex'), Buffer.from(encode(wire)).toString('hex'));
});
