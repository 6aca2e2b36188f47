// The IPLD data model as JavaScript values: null, booleans, numbers (and bigints beyond 2^53), strings, bytes
// (Uint8Array), links (CID), lists (arrays) and maps (plain objects with string keys).
import { CID } from 'multiformats/cid';

/** Deeper structures than this are refused, so a hostile token cannot exhaust the stack. */
export const maxIpldDepth = 128;

/** A map in the data model: a plain object. Class instances (CID, Uint8Array, Date …) are not maps. */
export function isIpldMap(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

export function isCid(value: unknown): value is CID {
  return value instanceof CID;
}

// A lone surrogate is a JavaScript string that is not Unicode text: UTF-8 cannot hold it, and an encoder would
// silently write U+FFFD instead. In a `u` regular expression a well-formed pair is one code point, so \p{Cs}
// matches only lone halves.
const loneSurrogate = /\p{Cs}/u;
// String.prototype.isWellFormed (ES2024) asks the same much faster, where the runtime has it.
const nativeIsWellFormed = (String.prototype as { isWellFormed?: (this: string) => boolean }).isWellFormed;

/** False when `text` holds a lone surrogate, which UTF-8 cannot carry. */
function isWellFormedText(text: string): boolean {
  return nativeIsWellFormed ? nativeIsWellFormed.call(text) : !loneSurrogate.test(text);
}
const int64Min = -(2n ** 64n);
const uint64Max = 2n ** 64n - 1n;

function quoted(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

/**
 * A short description of any value for an error message: a scalar as it is (a string cut at 80 characters), a
 * structure by its kind. Never a serialisation: a hostile value can be too large or too deeply nested for one.
 */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  if (isCid(value)) return 'a link';
  if (Array.isArray(value)) return 'a list';
  if (value !== null && typeof value === 'object') return 'a map';
  return String(value);
}

/**
 * Why `value` is not IPLD data that DAG-CBOR holds faithfully, or `null` when it is. Beyond the data model this
 * refuses what an encoder would change rather than refuse: strings with lone surrogates, whole numbers beyond
 * 2^53 − 1 in a number (they would be written as floats; a bigint is written as an integer), and integers
 * beyond 64 bits.
 */
export function ipldValueProblem(value: unknown, depth = 0): string | null {
  if (depth > maxIpldDepth) return `it is nested more than ${maxIpldDepth} levels deep`;
  switch (typeof value) {
    case 'string':
      return !isWellFormedText(value) ? `the string ${quoted(value)} holds a lone surrogate, which is not valid Unicode` : null;
    case 'boolean':
      return null;
    case 'bigint':
      return value < int64Min || value > uint64Max ? `${value} is beyond the 64-bit integers DAG-CBOR can hold` : null;
    case 'number':
      if (!Number.isFinite(value)) return `${value} is not a finite number`;
      if (Number.isInteger(value) && !Number.isSafeInteger(value)) {
        return `${value} is a whole number beyond 2^53 − 1 in a number, which would be written as a float; use a bigint`;
      }
      return null;
    case 'object': {
      if (value === null || value instanceof Uint8Array || isCid(value)) return null;
      if (Array.isArray(value)) {
        for (const item of value) {
          const problem = ipldValueProblem(item, depth + 1);
          if (problem !== null) return problem;
        }
        return null;
      }
      if (isIpldMap(value)) {
        // @ipld/dag-cbor's encoder takes such a map for a link object from another copy of multiformats.
        if (value['/'] != null && value['/'] === value.bytes) {
          return 'a map whose "/" and "bytes" entries are the same value would be taken for a link; change one of them';
        }
        for (const key of Object.keys(value)) {
          if (!isWellFormedText(key)) return `the key ${quoted(key)} holds a lone surrogate, which is not valid Unicode`;
          const problem = ipldValueProblem(value[key], depth + 1);
          if (problem !== null) return problem;
        }
        return null;
      }
      return `a ${value.constructor?.name ?? 'non-plain'} object is not IPLD data`;
    }
    default:
      return `${typeof value} is not IPLD data`;
  }
}

/**
 * Deep equality in the data model. Numbers compare by value whatever their representation (1 == 1n); bytes by
 * content; links by CID; maps by their own keys regardless of insertion order. Kinds never equal each other
 * otherwise (a list is not bytes, a string is not a number).
 */
export function ipldEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const ta = typeof a;
  const tb = typeof b;
  if ((ta === 'number' || ta === 'bigint') && (tb === 'number' || tb === 'bigint')) {
    // Mixed number/bigint: == compares mathematically and never coerces anything else here.
    return (a as number | bigint) == (b as number | bigint);
  }
  if (ta !== 'object' || tb !== 'object' || a === null || b === null) return false;
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    if (!(a instanceof Uint8Array) || !(b instanceof Uint8Array) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  if (isCid(a) || isCid(b)) return isCid(a) && isCid(b) && a.equals(b);
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!ipldEquals(a[i], b[i])) return false;
    return true;
  }
  if (!isIpldMap(a) || !isIpldMap(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const key of keys) {
    if (!Object.hasOwn(b, key) || !ipldEquals(a[key], b[key])) return false;
  }
  return true;
}
