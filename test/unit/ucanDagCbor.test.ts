// The canonical DAG-CBOR decoder used for tokens: it agrees with @ipld/dag-cbor on everything that library
// encodes, and refuses every non-canonical form.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CID } from 'multiformats/cid';
import { DagCborError, decodeCanonicalDagCbor, encodeCanonicalDagCbor } from '../../daemon/src/ucan/dagCbor';

// The reference implementation the library's codec is checked against. It is loaded with import() so that these
// tests also run where TypeScript is compiled to CommonJS (the library itself does not depend on it).
async function reference(): Promise<typeof import('@ipld/dag-cbor')> {
  return import('@ipld/dag-cbor');
}

function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const link = CID.parse('bafyreigyftnzjf4rcu7glp5kfop53vqlopc3zcldauoqdxqlz7t4343gr4');
const words = ['', 'a', 'iss', 'nonce', '__proto__', 'constructor', 'ほげ', '😀 emoji', 'x'.repeat(70), 'ü'.repeat(40), 'did:key:z6Mk'];

function randomValue(next: () => number, depth: number): unknown {
  const pick = Math.floor(next() * (depth > 3 ? 9 : 11));
  switch (pick) {
    case 0:
      return null;
    case 1:
      return next() < 0.5;
    case 2: {
      const sizes = [10, 23, 24, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, Number.MAX_SAFE_INTEGER];
      const value = sizes[Math.floor(next() * sizes.length)]!;
      return next() < 0.5 ? value : -value;
    }
    case 3:
      return next() < 0.5 ? 2n ** 63n + BigInt(Math.floor(next() * 1000)) : -(2n ** 60n) - 7n;
    case 4:
      return Math.floor((next() - 0.5) * 2e9) + 0.5;
    case 5:
      return words[Math.floor(next() * words.length)]!;
    case 6:
      return Uint8Array.from({ length: Math.floor(next() * 40) }, () => Math.floor(next() * 256));
    case 7:
      return link;
    case 8:
      return `${Math.floor(next() * 1e9)}`;
    case 9:
      return Array.from({ length: Math.floor(next() * 5) }, () => randomValue(next, depth + 1));
    default: {
      const map: Record<string, unknown> = {};
      const count = Math.floor(next() * 6);
      for (let i = 0; i < count; i++) {
        const key = words[Math.floor(next() * words.length)]! + (next() < 0.5 ? '' : String(i));
        Object.defineProperty(map, key, { value: randomValue(next, depth + 1), enumerable: true, writable: true, configurable: true });
      }
      return map;
    }
  }
}

function refuses(bytes: number[] | Uint8Array, message: RegExp): void {
  assert.throws(() => decodeCanonicalDagCbor(Uint8Array.from(bytes)), (error: unknown) => {
    assert.ok(error instanceof DagCborError, String(error));
    assert.match(error.message, message);
    return true;
  });
}

test('the codec agrees byte for byte with @ipld/dag-cbor, both ways, on random data', async () => {
  const { decode, encode } = await reference();
  const next = prng(0xdac0);
  for (let round = 0; round < 1500; round++) {
    const value = randomValue(next, 0);
    const bytes = new Uint8Array(encode(value));
    assert.deepEqual(encodeCanonicalDagCbor(value), bytes);
    assert.deepEqual(decodeCanonicalDagCbor(bytes), decode(bytes));
  }
});

test('values DAG-CBOR cannot hold faithfully are refused by the encoder instead of being changed', async () => {
  const { encode } = await reference();
  const bad: Array<[unknown, RegExp]> = [
    [undefined, /undefined is not IPLD data/],
    [{ a: undefined }, /"a" is undefined/],
    [Number.NaN, /cannot be encoded/],
    [Number.POSITIVE_INFINITY, /cannot be encoded/],
    [-(2 ** 53), /beyond 2\^53; use a bigint/],
    [2n ** 64n, /beyond 64 bits/],
    [-(2n ** 64n) - 1n, /beyond 64 bits/],
    ['\ud800', /lone surrogate/],
    ['a\udc00b', /lone surrogate/],
    [new Date(0), /Date object is not IPLD data/],
    [new Map(), /Map object is not IPLD data/],
    [() => 1, /function is not IPLD data/],
    [Symbol('s'), /symbol is not IPLD data/],
  ];
  for (const [value, message] of bad) assert.throws(() => encodeCanonicalDagCbor(value), message, String(message));
  // -2^53 is an integer to JavaScript but not a safe one: the reference encodes it as a float, which would decode
  // as an integer, so the decoder refuses that too.
  assert.throws(() => decodeCanonicalDagCbor(encode(-(2 ** 53))), /integral value is encoded as a float/);
  assert.deepEqual(encodeCanonicalDagCbor(2n ** 64n - 1n), new Uint8Array(encode(2n ** 64n - 1n)));
  assert.deepEqual(encodeCanonicalDagCbor(-(2n ** 64n)), new Uint8Array(encode(-(2n ** 64n))));
  assert.deepEqual(encodeCanonicalDagCbor(5n), Uint8Array.of(0x05));
  assert.deepEqual(encodeCanonicalDagCbor({ 'é': 1, z: 2, zz: 3, 'ü': 4 }), new Uint8Array(encode({ 'é': 1, z: 2, zz: 3, 'ü': 4 })));
});

test('a "__proto__" key is an ordinary own key, not a prototype change', () => {
  const map = JSON.parse('{"__proto__": {"admin": true}, "a": 1}') as Record<string, unknown>;
  const decoded = decodeCanonicalDagCbor(encodeCanonicalDagCbor(map)) as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(decoded), Object.prototype);
  assert.ok(Object.hasOwn(decoded, '__proto__'));
  assert.equal((decoded as { admin?: unknown }).admin, undefined);
});

test('map keys out of canonical order, or repeated, are refused', () => {
  // {"b": 1, "a": 2}: same length, not bytewise sorted.
  refuses([0xa2, 0x61, 0x62, 0x01, 0x61, 0x61, 0x02], /not sorted/);
  // {"aa": 1, "b": 2}: longer key first.
  refuses([0xa2, 0x62, 0x61, 0x61, 0x01, 0x61, 0x62, 0x02], /not sorted/);
  // {"a": 1, "a": 2}
  refuses([0xa2, 0x61, 0x61, 0x01, 0x61, 0x61, 0x02], /not sorted .*or repeat/);
  // {1: 2}
  refuses([0xa1, 0x01, 0x02], /keys must be strings/);
  assert.deepEqual(decodeCanonicalDagCbor(Uint8Array.from([0xa2, 0x61, 0x62, 0x01, 0x62, 0x61, 0x61, 0x02])), { b: 1, aa: 2 });
});

test('integers and lengths not in their shortest form are refused', () => {
  refuses([0x18, 0x17], /shortest form/); // 23 in one extra byte
  refuses([0x19, 0x00, 0xff], /shortest form/);
  refuses([0x1a, 0x00, 0x00, 0xff, 0xff], /shortest form/);
  refuses([0x1b, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff], /shortest form/);
  refuses([0x38, 0x10], /shortest form/); // -17 in one extra byte
  refuses([0x58, 0x01, 0xaa], /shortest form/); // 1-byte string of bytes with a 1-byte length
  refuses([0x98, 0x01, 0x01], /shortest form/);
  assert.equal(decodeCanonicalDagCbor(Uint8Array.from([0x18, 0x18])), 24);
  assert.equal(decodeCanonicalDagCbor(Uint8Array.from([0x1b, 0, 0, 0, 1, 0, 0, 0, 0])), 2 ** 32);
  assert.equal(decodeCanonicalDagCbor(Uint8Array.from([0x1b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])), 2n ** 64n - 1n);
  assert.equal(decodeCanonicalDagCbor(Uint8Array.from([0x3b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])), -(2n ** 64n));
});

test('indefinite lengths, short floats, integral floats, NaN, undefined and other simple values are refused', () => {
  refuses([0x9f, 0x01, 0xff], /indefinite-length/);
  refuses([0xbf, 0xff], /indefinite-length/);
  refuses([0x5f, 0xff], /indefinite-length/);
  refuses([0xf9, 0x3c, 0x00], /64-bit/);
  refuses([0xfa, 0x3f, 0x80, 0x00, 0x00], /64-bit/);
  refuses([0xfb, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0], /integral value is encoded as a float/);
  refuses([0xfb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0], /NaN and infinities/);
  refuses([0xfb, 0x7f, 0xf0, 0, 0, 0, 0, 0, 0], /NaN and infinities/);
  refuses([0xf7], /simple value 0xf7/);
  refuses([0xf0], /simple value/);
  refuses([0xf8, 0x20], /simple value/);
  refuses([0x1c], /reserved/);
  assert.equal(decodeCanonicalDagCbor(Uint8Array.from([0xfb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0])), 1.5);
});

test('tags other than 42, and malformed CIDs, are refused', () => {
  refuses([0xc1, 0x01], /tag 1 is not allowed/);
  refuses([0xd8, 0x2a, 0x61, 0x61], /must hold bytes/);
  refuses([0xd8, 0x2a, 0x42, 0x01, 0x55], /0x00 prefix/);
  refuses([0xd8, 0x2a, 0x43, 0x00, 0x01, 0x55], /CID \(tag 42\) is malformed/);
  const good = encodeCanonicalDagCbor(link);
  assert.ok((decodeCanonicalDagCbor(good) as CID).equals(link));
});

test('invalid UTF-8, truncation and trailing bytes are refused', () => {
  refuses([0x62, 0xc3, 0x28], /not valid UTF-8/);
  refuses([0x61, 0xff], /not valid UTF-8/);
  refuses([0x63, 0x61, 0x62], /truncated/);
  refuses([0x82, 0x01], /truncated/);
  refuses([], /truncated/);
  refuses([0x01, 0x02], /1 trailing bytes/);
  const bytes = encodeCanonicalDagCbor({ a: [1, 'two', new Uint8Array([3])], b: { c: null } });
  for (let length = 0; length < bytes.length; length++) {
    assert.throws(() => decodeCanonicalDagCbor(bytes.subarray(0, length)), DagCborError);
  }
});

test('deep nesting is refused before it can exhaust the stack', () => {
  refuses(new Uint8Array(100_000).fill(0x81), /nested more than/);
});

test('random bytes either decode to what @ipld/dag-cbor reads or are refused with a DagCborError', async () => {
  const { decode } = await reference();
  const next = prng(42);
  let decoded = 0;
  for (let round = 0; round < 3000; round++) {
    const bytes = Uint8Array.from({ length: 1 + Math.floor(next() * 12) }, () => Math.floor(next() * 256));
    let value: unknown;
    try {
      value = decodeCanonicalDagCbor(bytes);
    } catch (error) {
      assert.ok(error instanceof DagCborError, String(error));
      continue;
    }
    decoded++;
    // Whatever is accepted is canonical (re-encoding gives the same bytes) and reads the same in the reference.
    assert.deepEqual(encodeCanonicalDagCbor(value), bytes);
    assert.deepEqual(decode(bytes), value);
  }
  assert.ok(decoded > 0);
});
