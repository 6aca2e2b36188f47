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

/** Why `value` is not IPLD data, or `null` when it is. */
export function ipldValueProblem(value: unknown, depth = 0): string | null {
  if (depth > maxIpldDepth) return `it is nested more than ${maxIpldDepth} levels deep`;
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'bigint':
      return null;
    case 'number':
      return Number.isFinite(value) ? null : `${value} is not a finite number`;
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
        for (const key of Object.keys(value)) {
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

/** A short name for a value's kind, for error messages. */
export function ipldKind(value: unknown): string {
  if (value === null) return 'null';
  if (value instanceof Uint8Array) return 'bytes';
  if (isCid(value)) return 'link';
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'object') return isIpldMap(value) ? 'map' : 'object';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'float';
  return typeof value;
}
