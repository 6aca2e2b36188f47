// The canonical DAG-CBOR reader (daemon/src/ucan/dagCbor.ts) checks canonical form token by token as it reads.
// This test holds it to the definition it replaces: bytes are canonical exactly when encoding what they decode to
// gives the same bytes back. The oracle below does just that with @ipld/dag-cbor (decoding as the reader does,
// keeping a leading U+FEFF, which cborg would drop), and random values, encoded and then mutated in the ways a
// non-canonical encoder or an attacker would spell them, must be accepted by both or refused by both.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeOptions, encode } from '@ipld/dag-cbor';
import { Token, Tokenizer, Type, decode as cborgDecode, type DecodeOptions } from 'cborg';
import { CID } from 'multiformats/cid';
import { identity } from 'multiformats/hashes/identity';
import { sameBytes } from '../../daemon/src/ucan/bytes';
import { DagCborError, decodeCanonicalDagCbor } from '../../daemon/src/ucan/dagCbor';
import { prng } from '../support/prng';

type Random = () => number;

const seed = 0xc0ffee;
const valueCount = 2500;
const mutationsPerValue = 3;

// ---- The oracle: decode with the codec, encode again, compare. --------------------------------------------------

const keepingBom = new TextDecoder('utf-8', { ignoreBOM: true });

// cborg's tokenizer, except that a string starting with U+FEFF keeps it, as the reader under test does.
class BomKeepingTokenizer {
  private readonly inner: Tokenizer;
  constructor(private readonly bytes: Uint8Array) {
    this.inner = new Tokenizer(bytes, decodeOptions);
  }
  done(): boolean {
    return this.inner.done();
  }
  pos(): number {
    return this.inner.pos();
  }
  next(): Token {
    const start = this.inner.pos();
    const token = this.inner.next();
    if (token.type !== Type.string) return token;
    const info = this.bytes[start]! & 0x1f;
    const content = start + (info < 24 ? 1 : 1 + (1 << (info - 24)));
    const end = start + token.encodedLength!;
    if (this.bytes[content] === 0xef && this.bytes[content + 1] === 0xbb && this.bytes[content + 2] === 0xbf) {
      return new Token(Type.string, keepingBom.decode(this.bytes.subarray(content, end)), token.encodedLength);
    }
    return token;
  }
}

type Outcome = { ok: true; value: unknown } | { ok: false; reason: string };

function oracle(bytes: Uint8Array): Outcome {
  let value: unknown;
  try {
    value = cborgDecode(bytes, { ...decodeOptions, tokenizer: new BomKeepingTokenizer(bytes) } as DecodeOptions);
  } catch (error) {
    return { ok: false, reason: `the codec refuses it: ${String(error)}` };
  }
  let again: Uint8Array;
  try {
    again = encode(value);
  } catch (error) {
    return { ok: false, reason: `it cannot be encoded again: ${String(error)}` };
  }
  return sameBytes(again, bytes) ? { ok: true, value } : { ok: false, reason: `it encodes again as ${hex(again)}` };
}

function underTest(bytes: Uint8Array): Outcome {
  try {
    return { ok: true, value: decodeCanonicalDagCbor(bytes) };
  } catch (error) {
    assert.ok(error instanceof DagCborError, `not a DagCborError for ${hex(bytes)}: ${String(error)}`);
    return { ok: false, reason: error.message };
  }
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

// ---- Random IPLD values. ------------------------------------------------------------------------------------------

const pick = <T>(next: Random, items: readonly T[]): T => items[Math.floor(next() * items.length)]!;

const keys = [
  '', 'a', 'b', 'aa', 'ab', 'ba', 'iss', 'nonce', '__proto__', 'constructor', 'toString', '1', '10', '2', 'ほげ', '😀',
  'é', 'e\u0301', '\ufeff', '\ufeffbom', '\ufffd', '/', 'bytes', 'x'.repeat(30), 'ü'.repeat(20),
];
const integers: ReadonlyArray<number | bigint> = [
  0, 1, 23, 24, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, Number.MAX_SAFE_INTEGER, -1, -24, -25, -256, -257,
  -(2 ** 32), -(2 ** 32) - 1, Number.MIN_SAFE_INTEGER, 2n ** 53n, 2n ** 53n + 1n, 2n ** 63n, 2n ** 64n - 1n,
  -(2n ** 53n), -(2n ** 53n) - 1n, -(2n ** 63n), -(2n ** 64n), 5n,
];
const floats = [
  0.5, 1.5, -2.25, 0.1, 1 / 3, 1e300, -1e-300, 5e-324, 2 ** 53, 2 ** 60, -(2 ** 64), 65504.5, 2 ** -14, Math.fround(1.1),
  -0, 1.0000000000000002, Number.MAX_VALUE,
];
// Values that make a map with "/" and "bytes" entries interesting: two empty byte strings decode as one object.
const linkLikeValues: readonly unknown[] = ['x', '', 1, 0, true, false, null, new Uint8Array(0), 2n ** 64n - 1n];

const links = [
  CID.parse('bafyreigyftnzjf4rcu7glp5kfop53vqlopc3zcldauoqdxqlz7t4343gr4'), // v1 dag-cbor sha2-256
  CID.parse('bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'), // v1 raw sha2-256
  CID.parse('QmPZ9gcCEpqKTo6aq61g2nXGUhM4iCL3ewB6LDXZCtioEB'), // v0
  CID.create(1, 0x0129, identity.digest(Uint8Array.of(1, 2, 3))), // dag-json: a two-byte codec varint
  CID.create(1, 0x71, identity.digest(new Uint8Array(0))),
  CID.create(1, 0x71, identity.digest(new Uint8Array(200).fill(7))), // a two-byte digest length varint
];

function randomString(next: Random): string {
  if (next() < 0.6) return pick(next, keys);
  const points = [0x41, 0x7a, 0xe9, 0x3b1, 0x3042, 0xfeff, 0xfffd, 0x1f600, 0x10ffff, 0x7f, 0x80, 0x7ff, 0x800, 0xffff];
  return String.fromCodePoint(...Array.from({ length: Math.floor(next() * 6) }, () => pick(next, points)));
}

function randomValue(next: Random, depth: number): unknown {
  switch (Math.floor(next() * (depth >= 4 ? 8 : 10))) {
    case 0:
      return pick(next, [null, true, false]);
    case 1:
    case 2:
      return pick(next, integers);
    case 3:
      return pick(next, floats);
    case 4:
      return randomString(next);
    case 5:
      return Uint8Array.from({ length: pick(next, [0, 1, 5, 23, 24, 40]) }, () => Math.floor(next() * 256));
    case 6:
      return pick(next, links);
    case 7:
      return pick(next, linkLikeValues);
    case 8:
      return Array.from({ length: Math.floor(next() * 5) }, () => randomValue(next, depth + 1));
    default: {
      const map: Record<string, unknown> = {};
      const set = (key: string, value: unknown) =>
        Object.defineProperty(map, key, { value, enumerable: true, writable: true, configurable: true });
      if (next() < 0.2) {
        set('/', pick(next, linkLikeValues));
        set('bytes', pick(next, linkLikeValues));
      }
      const count = Math.floor(next() * 6);
      for (let i = 0; i < count; i++) set(randomString(next), randomValue(next, depth + 1));
      return map;
    }
  }
}

// ---- A plain CBOR item parser, to find what to mutate. -----------------------------------------------------------

interface Item {
  start: number;
  contentStart: number; // first byte after the header
  end: number;
  major: number;
  info: number;
  argument: number; // the header's number: an integer, a length, a count or a tag
  children: Item[]; // a list's items; a map's keys and values, alternating; a tag's content
}

function parseItem(bytes: Uint8Array, start: number, all: Item[]): Item {
  const initial = bytes[start];
  if (initial === undefined) throw new Error('truncated');
  const major = initial >> 5;
  const info = initial & 0x1f;
  if (info > 27) throw new Error('not a definite-length item');
  let argument = info;
  let contentStart = start + 1;
  if (info >= 24) {
    const width = 1 << (info - 24);
    if (start + 1 + width > bytes.length) throw new Error('truncated');
    argument = 0;
    for (let i = 0; i < width; i++) argument = argument * 256 + bytes[start + 1 + i]!;
    contentStart += width;
  }
  const item: Item = { start, contentStart, end: contentStart, major, info, argument, children: [] };
  all.push(item);
  const childCount = major === 4 ? argument : major === 5 ? 2 * argument : major === 6 ? 1 : 0;
  if (childCount > bytes.length) throw new Error('too many items');
  if (major === 2 || major === 3) item.end = contentStart + argument;
  for (let i = 0; i < childCount; i++) {
    const child = parseItem(bytes, item.end, all);
    item.children.push(child);
    item.end = child.end;
  }
  if (item.end > bytes.length) throw new Error('truncated');
  return item;
}

function itemsOf(bytes: Uint8Array): Item[] | undefined {
  const all: Item[] = [];
  try {
    parseItem(bytes, 0, all);
  } catch {
    return undefined;
  }
  return all;
}

/** A header for `major` with `value`, in the given width of extra bytes (shortest when not given). */
function header(major: number, value: number | bigint, width?: 0 | 1 | 2 | 4 | 8): number[] {
  const big = BigInt(value);
  const shortest = big < 24n ? 0 : big < 0x100n ? 1 : big < 0x10000n ? 2 : big < 0x100000000n ? 4 : 8;
  const w = width ?? shortest;
  if (w === 0) return [(major << 5) | Number(big)];
  const out = [(major << 5) | (24 + Math.log2(w))];
  for (let i = w - 1; i >= 0; i--) out.push(Number((big >> BigInt(8 * i)) & 0xffn));
  return out;
}

function splice(bytes: Uint8Array, start: number, end: number, insert: ArrayLike<number>): Uint8Array {
  return Uint8Array.from([...bytes.subarray(0, start), ...Array.from(insert), ...bytes.subarray(end)]);
}

function float64(value: number): number[] {
  const view = new DataView(new ArrayBuffer(9));
  view.setUint8(0, 0xfb);
  view.setFloat64(1, value);
  return [...new Uint8Array(view.buffer)];
}

function float32(value: number): number[] | undefined {
  if (!Object.is(Math.fround(value), value)) return undefined;
  const view = new DataView(new ArrayBuffer(5));
  view.setUint8(0, 0xfa);
  view.setFloat32(1, value);
  return [...new Uint8Array(view.buffer)];
}

// Every finite half-precision value, by value ("-0" for negative zero), to its bits.
const halves = new Map<number | string, number>();
for (let bits = 0; bits < 0x10000; bits++) {
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0x1f) continue;
  const magnitude = exponent === 0 ? fraction * 2 ** -24 : (1 + fraction / 1024) * 2 ** (exponent - 15);
  const value = bits & 0x8000 ? -magnitude : magnitude;
  halves.set(Object.is(value, -0) ? '-0' : value, bits);
}

function float16(value: number): number[] | undefined {
  const bits = halves.get(Object.is(value, -0) ? '-0' : value);
  return bits === undefined ? undefined : [0xf9, bits >> 8, bits & 0xff];
}

function readFloat(bytes: Uint8Array, item: Item): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset + item.start + 1);
  if (item.info === 27) return view.getFloat64(0);
  if (item.info === 26) return view.getFloat32(0);
  const bits = view.getUint16(0);
  for (const [value, b] of halves) if (b === bits) return value === '-0' ? -0 : (value as number);
  return NaN;
}

function readVarint(bytes: Uint8Array, at: number): [value: number, length: number] {
  let value = 0;
  for (let i = 0; i < 9; i++) {
    const byte = bytes[at + i];
    if (byte === undefined) throw new Error('truncated varint');
    value += (byte & 0x7f) * 2 ** (7 * i);
    if ((byte & 0x80) === 0) return [value, i + 1];
  }
  throw new Error('varint too long');
}

function varint(value: number, padding: number): number[] {
  const out: number[] = [];
  do {
    out.push((value % 128) | 0x80);
    value = Math.floor(value / 128);
  } while (value > 0);
  for (let i = 0; i < padding; i++) out.push(0x80);
  out[out.length - 1]! &= 0x7f;
  return out;
}

// ---- Mutations: each returns new bytes, or undefined when it does not apply to these. -------------------------------

type Mutation = (bytes: Uint8Array, items: Item[], next: Random) => Uint8Array | undefined;

const where = (items: Item[], next: Random, test: (item: Item) => boolean): Item | undefined => {
  const candidates = items.filter(test);
  return candidates.length === 0 ? undefined : pick(next, candidates);
};

// A bad byte, a bad continuation, an overlong form, a surrogate, cut-off sequences, a stray continuation, 5 bytes.
const invalidUtf8 = [[0xff], [0xc3, 0x28], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf0, 0x90, 0x80], [0xe2, 0x82], [0x80], [0xf8, 0x88, 0x80, 0x80, 0x80]];

const mutations: Record<string, Mutation> = {
  flipByte(bytes, _items, next) {
    const at = Math.floor(next() * bytes.length);
    return splice(bytes, at, at + 1, [bytes[at]! ^ (next() < 0.5 ? 1 << Math.floor(next() * 8) : Math.floor(next() * 256))]);
  },
  swapMapEntries(bytes, items, next) {
    const map = where(items, next, (item) => item.major === 5 && item.argument >= 2);
    if (map === undefined) return undefined;
    const i = Math.floor(next() * (map.argument - 1));
    const j = i + 1 + Math.floor(next() * (map.argument - 1 - i));
    const entry = (k: number) => bytes.subarray(map.children[2 * k]!.start, map.children[2 * k + 1]!.end);
    const entries = Array.from({ length: map.argument }, (_, k) => entry(k));
    [entries[i], entries[j]] = [entries[j]!, entries[i]!];
    return splice(bytes, map.contentStart, map.end, entries.flatMap((e) => [...e]));
  },
  copyMapKey(bytes, items, next) {
    const map = where(items, next, (item) => item.major === 5 && item.argument >= 2);
    if (map === undefined) return undefined;
    const from = map.children[2 * Math.floor(next() * map.argument)]!;
    const to = map.children[2 * Math.floor(next() * map.argument)]!;
    return splice(bytes, to.start, to.end, bytes.subarray(from.start, from.end));
  },
  copyMapValue(bytes, items, next) {
    // Also makes a map's "/" and "bytes" entries equal, now and then.
    const map = where(items, next, (item) => item.major === 5 && item.argument >= 2);
    if (map === undefined) return undefined;
    const valueOf = (key: string) => {
      const encoded = encode(key);
      const at = map.children.findIndex((child, i) => i % 2 === 0 && sameBytes(bytes.subarray(child.start, child.end), encoded));
      return at === -1 ? undefined : map.children[at + 1];
    };
    const [slash, bytesValue] = [valueOf('/'), valueOf('bytes')];
    const linkLike = slash !== undefined && bytesValue !== undefined && next() < 0.7;
    const from = linkLike ? slash : map.children[2 * Math.floor(next() * map.argument) + 1]!;
    const to = linkLike ? bytesValue : map.children[2 * Math.floor(next() * map.argument) + 1]!;
    return splice(bytes, to.start, to.end, bytes.subarray(from.start, from.end));
  },
  floatInAnotherWidth(bytes, items, next) {
    const item = where(items, next, (i) => i.major === 7 && i.info >= 25 && i.info <= 27);
    if (item === undefined) return undefined;
    const value = readFloat(bytes, item);
    const spelled = pick(next, [float16(value), float32(value), float64(value)]);
    return spelled === undefined ? undefined : splice(bytes, item.start, item.end, spelled);
  },
  integerAsFloat(bytes, items, next) {
    const item = where(items, next, (i) => (i.major === 0 || i.major === 1) && i.info < 27);
    if (item === undefined) return undefined;
    const value = item.major === 0 ? item.argument : -1 - item.argument;
    const spelledAs = value === 0 && next() < 0.5 ? -0 : value;
    const spelled = pick(next, [float16(spelledAs), float32(spelledAs), float64(spelledAs)]);
    return spelled === undefined ? undefined : splice(bytes, item.start, item.end, spelled);
  },
  longerHeader(bytes, items, next) {
    const item = where(items, next, (i) => i.major <= 6 && i.info < 27);
    if (item === undefined) return undefined;
    const widths = ([1, 2, 4, 8] as const).filter((w) => w > (item.info < 24 ? 0 : 1 << (item.info - 24)));
    return splice(bytes, item.start, item.contentStart, header(item.major, item.argument, pick(next, widths)));
  },
  invalidUtf8(bytes, items, next) {
    const item = where(items, next, (i) => i.major === 3);
    if (item === undefined) return undefined;
    const content = [...bytes.subarray(item.contentStart, item.end)];
    content.splice(Math.floor(next() * (content.length + 1)), 0, ...pick(next, invalidUtf8));
    return splice(bytes, item.start, item.end, [...header(3, content.length), ...content]);
  },
  oddButValidUtf8(bytes, items, next) {
    // U+FEFF at the start (which cborg alone would drop) or U+FFFD anywhere: both are valid text.
    const item = where(items, next, (i) => i.major === 3);
    if (item === undefined) return undefined;
    const content = [...bytes.subarray(item.contentStart, item.end)];
    if (next() < 0.5) content.unshift(0xef, 0xbb, 0xbf);
    else content.push(0xef, 0xbf, 0xbd);
    return splice(bytes, item.start, item.end, [...header(3, content.length), ...content]);
  },
  longerCidVarint(bytes, items, next) {
    const tag = where(items, next, (i) => i.major === 6 && i.children[0]?.major === 2);
    if (tag === undefined) return undefined;
    const content = tag.children[0]!;
    const cid = bytes.subarray(content.contentStart + 1, content.end);
    // v0 is a bare multihash (code, length); v1 is version, codec, then the multihash.
    const count = cid[0] === 0x12 && cid[1] === 0x20 ? 2 : 4;
    const fields: number[] = [];
    let at = 0;
    try {
      for (let i = 0; i < count; i++) {
        const [value, length] = readVarint(cid, at);
        fields.push(value);
        at += length;
      }
    } catch {
      return undefined;
    }
    const widened = Math.floor(next() * count);
    const rebuilt = [0x00, ...fields.flatMap((value, i) => varint(value, i === widened ? 1 + Math.floor(next() * 2) : 0)), ...cid.subarray(at)];
    return splice(bytes, content.start, content.end, [...header(2, rebuilt.length), ...rebuilt]);
  },
  cutOrExtend(bytes, _items, next) {
    return next() < 0.5 ? bytes.subarray(0, Math.floor(next() * bytes.length)) : Uint8Array.from([...bytes, Math.floor(next() * 256)]);
  },
};

// ---- The test. ------------------------------------------------------------------------------------------------------

test('the reader accepts exactly the bytes that encode again to themselves, and reads them as the codec does', () => {
  const next = prng(seed);
  const tally = new Map<string, { accepted: number; refused: number }>();
  const count = (kind: string, outcome: Outcome) => {
    const entry = tally.get(kind) ?? { accepted: 0, refused: 0 };
    if (outcome.ok) entry.accepted++;
    else entry.refused++;
    tally.set(kind, entry);
  };
  const reasons = new Set<string>();
  const check = (kind: string, given: Uint8Array) => {
    // A plain copy: on a Node Buffer, cborg's own decoder would hand out Buffers where the reader gives Uint8Arrays.
    const bytes = Uint8Array.from(given);
    const expected = oracle(bytes);
    const actual = underTest(bytes);
    const context = `${kind}, seed ${seed}, bytes ${hex(bytes)}`;
    if (expected.ok && actual.ok) assert.deepStrictEqual(actual.value, expected.value, context);
    else if (expected.ok) assert.fail(`refused canonical bytes (${context}): ${actual.ok ? '' : actual.reason}`);
    else if (actual.ok) assert.fail(`accepted non-canonical bytes (${context}): ${expected.reason}`);
    else reasons.add(actual.reason.replace(/ \(at byte \d+\)$/, '').replace(/: .*/, ''));
    count(kind, actual);
  };

  const kinds = Object.keys(mutations);
  for (let round = 0; round < valueCount; round++) {
    // Mostly maps at the top, as in a token, so that map mutations find something to change.
    let value = randomValue(next, 0);
    while (next() < 0.6 && (typeof value !== 'object' || value === null || value instanceof Uint8Array || value instanceof CID)) {
      value = randomValue(next, 0);
    }
    let bytes: Uint8Array;
    try {
      bytes = encode(value);
    } catch {
      continue; // a map whose "/" and "bytes" are equal, which the codec takes for a broken link
    }
    check('as encoded', bytes);
    for (let m = 0; m < mutationsPerValue; m++) {
      const items = itemsOf(bytes);
      if (items === undefined) break;
      const kind = pick(next, kinds);
      const mutated = mutations[kind]!(bytes, items, next);
      if (mutated === undefined || sameBytes(mutated, bytes)) continue;
      check(kind, mutated);
    }
  }

  // The run must have exercised every mutation and every rule, or agreement would prove little.
  assert.ok(tally.get('as encoded')!.accepted > 0.9 * valueCount);
  for (const kind of kinds) assert.ok((tally.get(kind)?.refused ?? 0) > 10, `${kind} was refused too rarely: ${JSON.stringify(tally.get(kind))}`);
  for (const kind of ['copyMapValue', 'oddButValidUtf8', 'flipByte']) {
    assert.ok((tally.get(kind)?.accepted ?? 0) > 10, `${kind} was accepted too rarely: ${JSON.stringify(tally.get(kind))}`);
  }
  for (const rule of [
    'map keys are not sorted length-first then bytewise',
    'floats must be 64-bit in DAG-CBOR',
    'a whole number is written as a float; DAG-CBOR writes it as an integer',
    'a string is not valid UTF-8',
    'a CID (tag 42) is not in its canonical form',
    'a map whose "/" and "bytes" entries are the same value is read as a link by DAG-CBOR encoders, so it has no canonical encoding',
  ]) {
    assert.ok(reasons.has(rule), `no case was refused for: ${rule} (seen: ${[...reasons].join(' | ')})`);
  }
});
