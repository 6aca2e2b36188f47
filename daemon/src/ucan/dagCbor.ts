// Canonical DAG-CBOR (https://ipld.io/specs/codecs/dag-cbor/spec/): an encoder, and a decoder that accepts only
// canonical bytes. Tokens are encoded and decoded on every authorization, and a small purpose-built codec is
// several times faster here than a general one (it is also the one place that decides what "canonical" means).
//
// Decoding:
// UCANs are signed over canonical DAG-CBOR. A general decoder is lenient in ways that matter to a validator (keys
// in any order, half-precision floats, `undefined`), and decoding then re-encoding to compare would double the
// cost on the hot path, so this reads and checks in one pass: minimal integer and length headers, definite
// lengths, string keys sorted length-first then bytewise with no repeats, only tag 42 (a CID: bytes behind a
// 0x00 prefix), floats only as finite 64-bit values, only false/true/null as simple values, valid UTF-8, and
// nothing after the one top-level item.
//
// One rule goes beyond the codec spec: a float with an integral value (1.0) is refused. JavaScript cannot tell
// it from the integer 1, so it would decode into an integer field such as `exp` and re-encode differently;
// refusing it keeps what is validated identical to what was signed.
//
// Values come out as the @ipld/dag-cbor library's decoder gives them: integers beyond 2^53 as bigint, bytes as Uint8Array
// (copied), links as CID, maps as plain objects.
import { CID } from 'multiformats/cid';
import { maxIpldDepth } from './ipld';

export class DagCborError extends Error {
  override readonly name = 'DagCborError';
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

class CanonicalDecoder {
  position = 0;
  private readonly view: DataView;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  fail(message: string): never {
    throw new DagCborError(`${message} (at byte ${this.position})`);
  }

  private need(count: number): void {
    if (this.position + count > this.bytes.length) this.fail('truncated');
  }

  /** The argument of a header: a number, or a bigint when it is beyond 2^53 − 1. */
  private argument(info: number): number | bigint {
    if (info < 24) return info;
    if (info > 27) this.fail(info === 31 ? 'indefinite-length items are not allowed in DAG-CBOR' : 'reserved header value');
    const at = this.position;
    let value: number | bigint;
    let smallest: number;
    if (info === 24) {
      this.need(1);
      value = this.bytes[at]!;
      smallest = 24;
    } else if (info === 25) {
      this.need(2);
      value = this.view.getUint16(at);
      smallest = 0x100;
    } else if (info === 26) {
      this.need(4);
      value = this.view.getUint32(at);
      smallest = 0x10000;
    } else {
      this.need(8);
      const high = this.view.getUint32(at);
      const low = this.view.getUint32(at + 4);
      value = high < 0x200000 ? high * 0x100000000 + low : (BigInt(high) << 32n) | BigInt(low);
      smallest = high === 0 ? Number.POSITIVE_INFINITY : 0;
    }
    if (value < smallest) this.fail('an integer or length is not in its shortest form');
    this.position = at + (1 << (info - 24));
    return value;
  }

  private length(info: number): number {
    const value = this.argument(info);
    // Anything beyond the remaining bytes is truncated whatever its exact size.
    if (typeof value === 'bigint' || value > this.bytes.length - this.position) this.fail('truncated');
    return value as number;
  }

  private string(length: number): string {
    const bytes = this.bytes;
    const start = this.position;
    const end = start + length;
    let ascii = length <= 64;
    for (let i = start; ascii && i < end; i++) if (bytes[i]! >= 0x80) ascii = false;
    let text: string;
    if (ascii) {
      text = '';
      for (let i = start; i < end; i++) text += String.fromCharCode(bytes[i]!);
    } else {
      try {
        text = utf8.decode(bytes.subarray(start, end));
      } catch {
        this.fail('a string is not valid UTF-8');
      }
    }
    this.position = end;
    return text;
  }

  value(depth: number): unknown {
    const bytes = this.bytes;
    if (depth > maxIpldDepth) this.fail(`data nested more than ${maxIpldDepth} levels deep`);
    this.need(1);
    const initial = bytes[this.position++]!;
    const major = initial >> 5;
    const info = initial & 0x1f;
    switch (major) {
      case 0:
        return this.argument(info);
      case 1: {
        const value = this.argument(info);
        return typeof value === 'number' && value < Number.MAX_SAFE_INTEGER ? -1 - value : -1n - BigInt(value);
      }
      case 2: {
        const length = this.length(info);
        const start = this.position;
        this.position += length;
        // A copy, and a plain Uint8Array even when the input is a Buffer (whose slice() would share memory).
        return new Uint8Array(bytes.subarray(start, start + length));
      }
      case 3:
        return this.string(this.length(info));
      case 4: {
        const length = this.length(info); // each element takes at least one byte
        const list = new Array<unknown>(length);
        for (let i = 0; i < length; i++) list[i] = this.value(depth + 1);
        return list;
      }
      case 5: {
        const length = this.length(info);
        const map: Record<string, unknown> = {};
        let previousStart = -1;
        let previousEnd = -1;
        for (let i = 0; i < length; i++) {
          this.need(1);
          const keyHeader = bytes[this.position]!;
          if (keyHeader >> 5 !== 3) this.fail('map keys must be strings in DAG-CBOR');
          const keyStart = this.position;
          this.position++;
          const key = this.string(this.length(keyHeader & 0x1f));
          const keyEnd = this.position;
          if (previousStart >= 0 && compareKeys(bytes, previousStart, previousEnd, keyStart, keyEnd) >= 0) {
            this.fail('map keys are not sorted length-first then bytewise, or repeat');
          }
          previousStart = keyStart;
          previousEnd = keyEnd;
          const value = this.value(depth + 1);
          // A plain assignment of "__proto__" would replace the prototype instead of adding a key.
          if (key === '__proto__') Object.defineProperty(map, key, { value, enumerable: true, writable: true, configurable: true });
          else map[key] = value;
        }
        return map;
      }
      case 6: {
        const tag = this.argument(info);
        if (tag !== 42) this.fail(`tag ${String(tag)} is not allowed in DAG-CBOR (only 42, a CID)`);
        this.need(1);
        const contentHeader = bytes[this.position]!;
        if (contentHeader >> 5 !== 2) this.fail('a CID (tag 42) must hold bytes');
        this.position++;
        const length = this.length(contentHeader & 0x1f);
        if (length < 2 || bytes[this.position] !== 0x00) this.fail('a CID (tag 42) must start with the 0x00 prefix');
        const start = this.position + 1;
        this.position += length;
        try {
          return CID.decode(new Uint8Array(bytes.subarray(start, start + length - 1)));
        } catch (error) {
          this.fail(`a CID (tag 42) is malformed: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      default: {
        if (initial === 0xf4) return false;
        if (initial === 0xf5) return true;
        if (initial === 0xf6) return null;
        if (initial === 0xfb) {
          this.need(8);
          const value = this.view.getFloat64(this.position);
          if (!Number.isFinite(value)) this.fail('NaN and infinities are not allowed in DAG-CBOR');
          if (Number.isInteger(value)) this.fail('an integral value is encoded as a float');
          this.position += 8;
          return value;
        }
        return this.fail(
          initial === 0xf9 || initial === 0xfa
            ? 'floats must be 64-bit in DAG-CBOR'
            : `the simple value 0x${initial.toString(16)} is not allowed in DAG-CBOR (only false, true, null)`,
        );
      }
    }
  }
}

// Canonical key order compares encoded keys: shorter first, then bytewise. Two keys whose encodings have the same
// length have the same header, so comparing whole encodings is the same as comparing the strings' bytes.
function compareKeys(bytes: Uint8Array, aStart: number, aEnd: number, bStart: number, bEnd: number): number {
  const lengthDifference = aEnd - aStart - (bEnd - bStart);
  if (lengthDifference !== 0) return lengthDifference;
  for (let i = 0; i < aEnd - aStart; i++) {
    const difference = bytes[aStart + i]! - bytes[bStart + i]!;
    if (difference !== 0) return difference;
  }
  return 0;
}

/** Decodes exactly one canonical DAG-CBOR item; throws a DagCborError that says what is not canonical. */
export function decodeCanonicalDagCbor(bytes: Uint8Array): unknown {
  const decoder = new CanonicalDecoder(bytes);
  const value = decoder.value(0);
  if (decoder.position !== bytes.length) decoder.fail(`${bytes.length - decoder.position} trailing bytes after the item`);
  return value;
}

// Encoding: integers in the shortest form (safe integers as numbers, larger ones as bigint up to 64 bits), other
// numbers as 64-bit floats, strings as UTF-8, Uint8Array as bytes, CIDs as tag 42, arrays, and plain objects as
// maps with keys sorted length-first then bytewise. Anything else (undefined, NaN, an integer beyond 2^53 held in
// a number, lone surrogates, class instances) is refused rather than silently changed.

const textEncoder = new TextEncoder();
const twoTo64 = 2n ** 64n;

class CanonicalEncoder {
  private buffer = new Uint8Array(512);
  private view = new DataView(this.buffer.buffer);
  position = 0;

  private reserve(count: number): void {
    if (this.position + count <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.position + count) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.buffer.subarray(0, this.position));
    this.buffer = grown;
    this.view = new DataView(grown.buffer);
  }

  private header(major: number, value: number): void {
    this.reserve(9);
    const initial = major << 5;
    const at = this.position;
    if (value < 24) {
      this.buffer[at] = initial | value;
      this.position = at + 1;
    } else if (value < 0x100) {
      this.buffer[at] = initial | 24;
      this.buffer[at + 1] = value;
      this.position = at + 2;
    } else if (value < 0x10000) {
      this.buffer[at] = initial | 25;
      this.view.setUint16(at + 1, value);
      this.position = at + 3;
    } else if (value < 0x100000000) {
      this.buffer[at] = initial | 26;
      this.view.setUint32(at + 1, value);
      this.position = at + 5;
    } else {
      this.buffer[at] = initial | 27;
      this.view.setUint32(at + 1, Math.floor(value / 0x100000000));
      this.view.setUint32(at + 5, value % 0x100000000);
      this.position = at + 9;
    }
  }

  private bigHeader(major: number, value: bigint): void {
    if (value <= BigInt(Number.MAX_SAFE_INTEGER)) {
      this.header(major, Number(value));
      return;
    }
    this.reserve(9);
    this.buffer[this.position] = (major << 5) | 27;
    this.view.setBigUint64(this.position + 1, value);
    this.position += 9;
  }

  private raw(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.position);
    this.position += bytes.length;
  }

  private string(text: string): void {
    // ASCII, by far the common case, is written directly; anything else goes through the UTF-8 encoder.
    const length = text.length;
    let ascii = true;
    for (let i = 0; i < length; i++) {
      if (text.charCodeAt(i) >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) {
      this.header(3, length);
      this.reserve(length);
      for (let i = 0; i < length; i++) this.buffer[this.position + i] = text.charCodeAt(i);
      this.position += length;
      return;
    }
    if (!isWellFormed(text)) throw new DagCborError('a string holds a lone surrogate, which is not valid Unicode');
    const bytes = textEncoder.encode(text);
    this.header(3, bytes.length);
    this.raw(bytes);
  }

  value(value: unknown, depth: number): void {
    if (depth > maxIpldDepth) throw new DagCborError(`data nested more than ${maxIpldDepth} levels deep`);
    switch (typeof value) {
      case 'string':
        this.string(value);
        return;
      case 'boolean':
        this.reserve(1);
        this.buffer[this.position++] = value ? 0xf5 : 0xf4;
        return;
      case 'number':
        if (Number.isInteger(value)) {
          if (!Number.isSafeInteger(value)) throw new DagCborError(`${value} is an integer beyond 2^53; use a bigint`);
          if (value >= 0) this.header(0, value);
          else this.header(1, -1 - value);
          return;
        }
        if (!Number.isFinite(value)) throw new DagCborError(`${value} cannot be encoded in DAG-CBOR`);
        this.reserve(9);
        this.buffer[this.position] = 0xfb;
        this.view.setFloat64(this.position + 1, value);
        this.position += 9;
        return;
      case 'bigint':
        if (value >= 0n) {
          if (value >= twoTo64) throw new DagCborError('an integer beyond 64 bits cannot be encoded in DAG-CBOR');
          this.bigHeader(0, value);
        } else {
          if (value < -twoTo64) throw new DagCborError('an integer beyond 64 bits cannot be encoded in DAG-CBOR');
          this.bigHeader(1, -1n - value);
        }
        return;
      case 'object':
        break;
      default:
        throw new DagCborError(`${typeof value} is not IPLD data`);
    }
    if (value === null) {
      this.reserve(1);
      this.buffer[this.position++] = 0xf6;
      return;
    }
    if (value instanceof Uint8Array) {
      this.header(2, value.length);
      this.raw(value);
      return;
    }
    if (Array.isArray(value)) {
      this.header(4, value.length);
      for (const item of value) this.value(item, depth + 1);
      return;
    }
    if (value instanceof CID) {
      const bytes = value.bytes;
      this.reserve(3);
      this.buffer[this.position++] = 0xd8;
      this.buffer[this.position++] = 42;
      this.header(2, bytes.length + 1);
      this.reserve(1);
      this.buffer[this.position++] = 0x00;
      this.raw(bytes);
      return;
    }
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      throw new DagCborError(`a ${(value as object).constructor?.name ?? 'non-plain'} object is not IPLD data`);
    }
    this.map(value as Record<string, unknown>, depth);
  }

  private map(map: Record<string, unknown>, depth: number): void {
    const keys = Object.keys(map);
    let ascii = true;
    for (const key of keys) {
      for (let i = 0; ascii && i < key.length; i++) if (key.charCodeAt(i) >= 0x80) ascii = false;
      if (map[key] === undefined) throw new DagCborError(`the value of ${JSON.stringify(key)} is undefined, which DAG-CBOR cannot hold`);
    }
    if (ascii) {
      // For ASCII keys, UTF-16 order is byte order and string length is byte length.
      keys.sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0));
    } else {
      const encoded = new Map(keys.map((key) => [key, textEncoder.encode(key)]));
      keys.sort((a, b) => compareBytes(encoded.get(a)!, encoded.get(b)!));
    }
    this.header(5, keys.length);
    for (const key of keys) {
      this.string(key);
      this.value(map[key], depth + 1);
    }
  }

  result(): Uint8Array {
    return this.buffer.slice(0, this.position);
  }
}

// String.prototype.isWellFormed, which the ES2023 typings this project uses do not declare.
function isWellFormed(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return false;
    }
  }
  return true;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return a.length - b.length;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

/** Encodes IPLD data as canonical DAG-CBOR; throws a DagCborError for anything that is not IPLD data. */
export function encodeCanonicalDagCbor(value: unknown): Uint8Array {
  const encoder = new CanonicalEncoder();
  encoder.value(value, 0);
  return encoder.result();
}
