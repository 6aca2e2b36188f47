// Canonical DAG-CBOR for the data Signet signs on its hot path, written directly.
//
// Every authorize encodes an invocation before signing it, and @ipld/dag-cbor's general encoder (type dispatch,
// token objects, a comparator sort of every map) costs a quarter to a half of the Ed25519 signature itself there.
// The payloads the daemon signs hold only plain data: maps with string keys, lists, strings, safe integers,
// floats, booleans, null, bytes and CIDs. For exactly those this writes the canonical form in one pass (RFC 8949
// §4.2.1 with the DAG-CBOR rules: shortest argument encoding, map keys ordered by encoded length then bytewise,
// every float as 64 bits, CIDs as tag 42 over a 0x00-prefixed byte string).
//
// Anything else (a bigint, undefined, a non-finite number, a string that is not well-formed Unicode, a map the
// codec might read as a link) gets `undefined`, and the caller hands it to @ipld/dag-cbor whole, which encodes
// it or throws its own error. test/unit/ucanDagCborWriter.test.ts holds the writer to byte-for-byte equality
// with the codec on random values.
import { CID } from 'multiformats/cid';
import { isWellFormedText } from './ipld';

const MAJOR_UINT = 0x00;
const MAJOR_NEGINT = 0x20;
const MAJOR_BYTES = 0x40;
const MAJOR_STRING = 0x60;
const MAJOR_ARRAY = 0x80;
const MAJOR_MAP = 0xa0;
const CID_TAG = [0xd8, 42] as const; // tag(42) in its one-byte-argument form
const FALSE = 0xf4;
const TRUE = 0xf5;
const NULL = 0xf6;
const FLOAT64 = 0xfb;
/** Deeper than this goes to the codec, which refuses what it cannot hold; no recursion runs away here. */
const MAX_DEPTH = 128;
/** The scratch buffer is kept between calls up to this size; one grown for a huge payload is let go after it. */
const KEPT_BUFFER_BYTES = 64 * 1024;

/** Thrown inside the writer when a value is not plain data, and caught at its top. */
const notPlainData = new Error('not plain data');

const textEncoder = new TextEncoder();

class ByteWriter {
  bytes = new Uint8Array(1024);
  view = new DataView(this.bytes.buffer);
  length = 0;

  reserve(extra: number): void {
    if (this.length + extra <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.length + extra) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
  }

  /** Back to a small buffer. */
  release(): void {
    this.bytes = new Uint8Array(1024);
    this.view = new DataView(this.bytes.buffer);
  }

  byte(value: number): void {
    this.reserve(1);
    this.bytes[this.length++] = value;
  }

  /** A major type with its argument in the shortest form. */
  head(major: number, argument: number): void {
    this.reserve(9);
    const b = this.bytes;
    if (argument < 24) {
      b[this.length++] = major | argument;
    } else if (argument < 0x100) {
      b[this.length++] = major | 24;
      b[this.length++] = argument;
    } else if (argument < 0x10000) {
      b[this.length++] = major | 25;
      this.view.setUint16(this.length, argument);
      this.length += 2;
    } else if (argument < 0x100000000) {
      b[this.length++] = major | 26;
      this.view.setUint32(this.length, argument);
      this.length += 4;
    } else {
      b[this.length++] = major | 27;
      // A safe integer: the high word is exact, the low word is what is left.
      this.view.setUint32(this.length, Math.floor(argument / 0x100000000));
      this.view.setUint32(this.length + 4, argument >>> 0);
      this.length += 8;
    }
  }

  raw(data: Uint8Array): void {
    this.reserve(data.length);
    this.bytes.set(data, this.length);
    this.length += data.length;
  }

  /** A text string; one that is not well-formed Unicode is not plain data. */
  string(text: string): void {
    const count = text.length;
    // Up to three UTF-8 bytes per UTF-16 unit, plus the head.
    this.reserve(9 + count * 3);
    const start = this.length;
    this.head(MAJOR_STRING, count);
    // ASCII, nearly every string here, is copied one character at a time: its UTF-8 length is its length.
    const b = this.bytes;
    let at = this.length;
    for (let i = 0; i < count; i++) {
      const c = text.charCodeAt(i);
      if (c > 0x7f) {
        this.length = start;
        this.#nonAscii(text);
        return;
      }
      b[at++] = c;
    }
    this.length = at;
  }

  #nonAscii(text: string): void {
    if (!isWellFormedText(text)) throw notPlainData;
    const encoded = textEncoder.encode(text);
    this.head(MAJOR_STRING, encoded.length);
    this.raw(encoded);
  }
}

const writer = new ByteWriter();
let writing = false;

/**
 * The canonical DAG-CBOR bytes of plain data, exactly as @ipld/dag-cbor's `encode` writes them, and `undefined` for
 * anything else. Plain data is always data DAG-CBOR holds faithfully (ipld.ts), so a caller that gets bytes here
 * needs no check of its own on what it encoded.
 */
export function encodePlainDagCbor(value: unknown): Uint8Array | undefined {
  // The scratch buffer is shared: an encoding started from inside this one (a getter or a Proxy trap in the
  // value calling back into the library) is left to the codec.
  if (writing) return undefined;
  writing = true;
  writer.length = 0;
  try {
    write(value, 0);
  } catch (error) {
    if (error === notPlainData) return undefined;
    throw error;
  } finally {
    writing = false;
  }
  const bytes = writer.bytes.slice(0, writer.length);
  if (writer.bytes.length > KEPT_BUFFER_BYTES) writer.release();
  return bytes;
}

function write(value: unknown, depth: number): void {
  switch (typeof value) {
    case 'string':
      writer.string(value);
      return;
    case 'number':
      if (Number.isSafeInteger(value)) {
        // -0 is an integer too, written as 0 like the codec does.
        if (value >= 0) writer.head(MAJOR_UINT, value);
        else writer.head(MAJOR_NEGINT, -value - 1);
      } else if (Number.isFinite(value) && !Number.isInteger(value)) {
        writer.reserve(9);
        writer.bytes[writer.length++] = FLOAT64;
        writer.view.setFloat64(writer.length, value);
        writer.length += 8;
      } else {
        throw notPlainData;
      }
      return;
    case 'boolean':
      writer.byte(value ? TRUE : FALSE);
      return;
    case 'object':
      if (value === null) {
        writer.byte(NULL);
        return;
      }
      if (depth >= MAX_DEPTH) throw notPlainData;
      if (Array.isArray(value)) {
        writer.head(MAJOR_ARRAY, value.length);
        for (let i = 0; i < value.length; i++) write(value[i], depth + 1);
        return;
      }
      if (value instanceof Uint8Array) {
        writer.head(MAJOR_BYTES, value.length);
        writer.raw(value);
        return;
      }
      if (value instanceof CID) {
        const cid = value.bytes;
        writer.byte(CID_TAG[0]);
        writer.byte(CID_TAG[1]);
        writer.head(MAJOR_BYTES, cid.length + 1);
        writer.byte(0x00);
        writer.raw(cid);
        return;
      }
      writeMap(value, depth);
      return;
    default:
      throw notPlainData;
  }
}

function writeMap(value: object, depth: number): void {
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) throw notPlainData;
  const map = value as Record<string, unknown>;
  const keys = Object.keys(map);
  let ascii = true;
  let sorted = true;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    // The codec looks at maps with these keys as possible links (multiformats' CID.asCID): its call.
    if (key === '/' || key === 'asCID') throw notPlainData;
    if (ascii && !isAscii(key)) ascii = false;
    if (sorted && i > 0 && compareAsciiKeys(keys[i - 1]!, key) > 0) sorted = false;
  }
  // Canonical order: shorter encoded key first, then bytewise. For ASCII keys UTF-16 order is byte order, and
  // keys often come in that order already.
  if (!ascii) sortByUtf8(keys);
  else if (!sorted) keys.sort(compareAsciiKeys);
  writer.head(MAJOR_MAP, keys.length);
  for (const key of keys) {
    writer.string(key);
    const item = map[key];
    if (item === undefined) throw notPlainData;
    write(item, depth + 1);
  }
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

function compareAsciiKeys(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortByUtf8(keys: string[]): void {
  const encoded = new Map(keys.map((k) => [k, textEncoder.encode(k)]));
  keys.sort((a, b) => {
    const x = encoded.get(a)!;
    const y = encoded.get(b)!;
    if (x.length !== y.length) return x.length - y.length;
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
    return 0;
  });
}
