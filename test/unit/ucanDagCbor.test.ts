// Reading signed DAG-CBOR: everything @ipld/dag-cbor writes is read back as it was written, and every other
// spelling of the same data, like everything that is not DAG-CBOR at all, is refused with a DagCborError.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decode, encode } from '@ipld/dag-cbor';
import { CID } from 'multiformats/cid';
import { DagCborError, decodeCanonicalDagCbor } from '../../daemon/src/ucan/dagCbor';
import { prng } from '../support/prng';

const link = CID.parse('bafyreigyftnzjf4rcu7glp5kfop53vqlopc3zcldauoqdxqlz7t4343gr4');
const words = ['', 'a', 'iss', 'nonce', '__proto__', 'constructor', 'ほげ', '😀 emoji', 'x'.repeat(70), 'ü'.repeat(40), 'did:key:z6Mk', '\ufeff', '\ufeffbom', 'x\ufeff'];

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

function nested(levels: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = [value];
  return value;
}

test('whatever @ipld/dag-cbor encodes is accepted and decodes to the value that was encoded, on random data', () => {
  const next = prng(0xdac0);
  for (let round = 0; round < 1500; round++) {
    const value = randomValue(next, 0);
    assert.deepEqual(decodeCanonicalDagCbor(encode(value)), value);
  }
});

test('a string that starts with U+FEFF keeps it, though the codec\'s own decoder drops it', () => {
  const value = { '\ufeffkey': '\ufeffab', only: '\ufeff', twice: '\ufeff\ufeffx', later: 'a\ufeff' };
  const bytes = encode(value);
  assert.notDeepEqual(decode(bytes), value); // the library quirk this guards against
  assert.deepEqual(decodeCanonicalDagCbor(bytes), value);
});

test('a "__proto__" key is an ordinary own key, not a prototype change', () => {
  const map = JSON.parse('{"__proto__": {"admin": true}, "a": 1}') as Record<string, unknown>;
  const decoded = decodeCanonicalDagCbor(encode(map)) as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(decoded), Object.prototype);
  assert.ok(Object.hasOwn(decoded, '__proto__'));
  assert.equal((decoded as { admin?: unknown }).admin, undefined);
});

test('decoded bytes are copies, even when the input is a Buffer whose slices would share its memory', () => {
  const input = Buffer.from(encode({ b: Uint8Array.of(1, 2, 3) }));
  const decoded = decodeCanonicalDagCbor(input) as { b: Uint8Array };
  assert.equal(Object.getPrototypeOf(decoded.b), Uint8Array.prototype);
  input.fill(0);
  assert.deepEqual(decoded.b, Uint8Array.of(1, 2, 3));
});

test('map keys out of canonical order, repeated or not strings are refused', () => {
  // {"b": 1, "a": 2}: same length, not bytewise sorted; the error points at the key that should have come earlier.
  refuses([0xa2, 0x61, 0x62, 0x01, 0x61, 0x61, 0x02], /map keys are not sorted length-first then bytewise \(at byte 4\)/);
  // {"aa": 1, "b": 2}: longer key first.
  refuses([0xa2, 0x62, 0x61, 0x61, 0x01, 0x61, 0x62, 0x02], /map keys are not sorted/);
  // {"a": 1, "a": 2}
  refuses([0xa2, 0x61, 0x61, 0x01, 0x61, 0x61, 0x02], /repeat map key "a"/);
  // {1: 2}
  refuses([0xa1, 0x01, 0x02], /non-string keys/);
  assert.deepEqual(decodeCanonicalDagCbor(Uint8Array.from([0xa2, 0x61, 0x62, 0x01, 0x62, 0x61, 0x61, 0x02])), { b: 1, aa: 2 });
});

test('integers and lengths not in their shortest form are refused', () => {
  refuses([0x18, 0x17], /more bytes than necessary/); // 23 in one extra byte
  refuses([0x19, 0x00, 0xff], /more bytes than necessary/);
  refuses([0x1a, 0x00, 0x00, 0xff, 0xff], /more bytes than necessary/);
  refuses([0x1b, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff], /more bytes than necessary/);
  refuses([0x38, 0x10], /more bytes than necessary/); // -17 in one extra byte
  refuses([0x58, 0x01, 0xaa], /more bytes than necessary/); // one byte of bytes with a one-byte length
  refuses([0x98, 0x01, 0x01], /more bytes than necessary/);
  assert.equal(decodeCanonicalDagCbor(Uint8Array.from([0x18, 0x18])), 24);
  assert.equal(decodeCanonicalDagCbor(Uint8Array.from([0x1b, 0, 0, 0, 1, 0, 0, 0, 0])), 2 ** 32);
  assert.equal(decodeCanonicalDagCbor(Uint8Array.from([0x1b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])), 2n ** 64n - 1n);
  assert.equal(decodeCanonicalDagCbor(Uint8Array.from([0x3b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])), -(2n ** 64n));
});

test('indefinite lengths, short floats, whole numbers as floats, NaN, undefined and other simple values are refused', () => {
  refuses([0x9f, 0x01, 0xff], /indefinite length/);
  refuses([0xbf, 0xff], /indefinite length/);
  refuses([0x5f, 0xff], /indefinite length/);
  refuses([0xf9, 0x3e, 0x00], /floats must be 64-bit/); // 1.5 in 16 bits
  refuses([0xfa, 0x3f, 0xc0, 0x00, 0x00], /floats must be 64-bit/); // 1.5 in 32 bits
  refuses([0xf9, 0x3c, 0x00], /whole number is written as a float/); // 1.0 in 16 bits
  refuses([0xfb, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0], /whole number is written as a float/);
  refuses([0xfb, 0x80, 0, 0, 0, 0, 0, 0, 0], /whole number is written as a float/); // -0.0
  refuses([0xfb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0], /NaN/);
  refuses([0xfb, 0x7f, 0xf0, 0, 0, 0, 0, 0, 0], /Infinity/);
  refuses([0xf7], /undefined/);
  refuses([0xf0], /simple values/);
  refuses([0xf8, 0x20], /simple values/);
  refuses([0x1c], /invalid minor/);
  assert.equal(decodeCanonicalDagCbor(Uint8Array.from([0xfb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0])), 1.5);
});

test('tags other than 42, and malformed or nested CIDs, are refused', () => {
  refuses([0xc1, 0x01], /tag not supported \(1\)/);
  refuses([0xd8, 0x2a, 0x61, 0x61], /CID \(tag 42\) must hold bytes/);
  refuses([0xd8, 0x2a, 0x42, 0x01, 0x55], /CID \(tag 42\) is malformed: .*leading 0x00/);
  refuses([0xd8, 0x2a, 0x43, 0x00, 0x01, 0x55], /CID \(tag 42\) is malformed/);
  refuses([...new Array<number>(2000).fill(0).flatMap(() => [0xd8, 0x2a]), 0x41, 0x00], /CID \(tag 42\) must hold bytes/);
  assert.ok((decodeCanonicalDagCbor(encode(link)) as CID).equals(link));
});

test('a CID written other than as its own bytes is refused, though it reads as a valid CID', () => {
  const multihash = [...CID.parse('QmPZ9gcCEpqKTo6aq61g2nXGUhM4iCL3ewB6LDXZCtioEB').bytes];
  // A CIDv0 is its bare multihash; with a version 0 and a codec in front, the parser still reads it as that CIDv0.
  const spelled = [0x00, 0x00, 0x70, ...multihash];
  refuses([0xd8, 0x2a, 0x58, spelled.length, ...spelled], /CID \(tag 42\) is not in its canonical form.* \(at byte 0\)/);
  assert.ok((decodeCanonicalDagCbor(Uint8Array.from([0xd8, 0x2a, 0x58, multihash.length + 1, 0x00, ...multihash])) as CID).equals(CID.decode(Uint8Array.from(multihash))));
  // Varints longer than needed are refused by the CID parser itself.
  const padded = [0x00, 0x81, 0x00, ...[...link.bytes].slice(1)];
  refuses([0xd8, 0x2a, 0x58, padded.length, ...padded], /CID \(tag 42\) is malformed.*minimally/);
});

test('a map whose "/" and "bytes" entries are one value is refused, as encoders would write it as a link', () => {
  const text = (value: string) => [0x60 + value.length, ...Buffer.from(value)];
  // {"/": "x", "bytes": "x"} and {"/": h'', "bytes": h''}
  refuses([0xa2, ...text('/'), ...text('x'), ...text('bytes'), ...text('x')], /"\/" and "bytes" entries are the same value .* \(at byte 11\)/);
  refuses([0xa2, ...text('/'), 0x40, ...text('bytes'), 0x40], /"\/" and "bytes" entries are the same value/);
  assert.deepEqual(decodeCanonicalDagCbor(Uint8Array.from([0xa2, ...text('/'), ...text('x'), ...text('bytes'), ...text('y')])), { '/': 'x', bytes: 'y' });
  assert.deepEqual(decodeCanonicalDagCbor(Uint8Array.from([0xa2, ...text('/'), 0xf6, ...text('bytes'), 0xf6])), { '/': null, bytes: null });
});

test('invalid UTF-8, truncation and trailing bytes are refused', () => {
  refuses([0x62, 0xc3, 0x28], /not valid UTF-8/);
  refuses([0x61, 0xff], /not valid UTF-8/);
  // A cut-off four-byte sequence reads as one U+FFFD, which takes as many bytes: still refused.
  refuses([0x64, 0xf0, 0x90, 0x80, 0x41], /not valid UTF-8/);
  refuses([0x63, 0x61, 0x62], /not enough data/);
  refuses([0x82, 0x01], /not enough entries/);
  refuses([], /did not find any content/);
  refuses([0x01, 0x02], /1 trailing bytes after the item/);
  const bytes = encode({ a: [1, 'two', new Uint8Array([3])], b: { c: null }, d: link });
  for (let length = 0; length < bytes.length; length++) {
    assert.throws(() => decodeCanonicalDagCbor(bytes.subarray(0, length)), DagCborError, `length ${length}`);
  }
});

test('nesting is limited to 128 levels, and deeper data is refused before it can exhaust the stack', () => {
  assert.deepEqual(decodeCanonicalDagCbor(encode(nested(128))), nested(128));
  refuses(encode(nested(129)), /nested more than 128 levels deep/);
  refuses(new Uint8Array(100_000).fill(0x81), /nested more than 128 levels deep/);
  // {"a": {"a": {"a": …}}}
  refuses(Uint8Array.from({ length: 99_999 }, (_, i) => (i % 3 === 0 ? 0xa1 : 0x61)), /nested more than 128 levels deep/);
});

test('random bytes either decode to what @ipld/dag-cbor reads, in canonical form, or are refused with a DagCborError', () => {
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
    assert.deepEqual(new Uint8Array(encode(value)), bytes);
    assert.deepEqual(decode(bytes), value);
  }
  assert.ok(decoded > 0);
});
