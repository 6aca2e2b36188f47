// RFC 9162 Merkle tree hashing for the audit log, with inclusion and consistency proofs.
//
// leaf = SHA-256(0x00 ‖ record bytes), node = SHA-256(0x01 ‖ left ‖ right), and the tree over n leaves
// splits at the largest power of two below n (RFC 9162 §2.1.1). The log keeps only the right edge of the
// tree in memory (`CompactRange`: one hash per set bit of the size), so appending costs O(log n) memory
// however long the log grows. Proofs are built from any `SubtreeHashes` source: the audit log serves
// them from the node file written next to it (see treeStore.ts), tests from an array of leaf hashes.
//
// Sizes and indices are JavaScript numbers. Integer arithmetic is done with division rather than bit
// operators because bit operators truncate to 32 bits and a log may, in principle, pass 2^32 records.
import { hash } from 'node:crypto';

export const HASH_SIZE = 32;

/** The root of the empty tree: SHA-256 of nothing (RFC 9162 §2.1.1). */
export const EMPTY_ROOT: Uint8Array = hash('sha256', new Uint8Array(0), 'buffer');

// One scratch buffer per prefix kind so that hashing a leaf or a node does not allocate an input copy.
let leafScratch = Buffer.alloc(4096);
const nodeScratch = Buffer.alloc(1 + 2 * HASH_SIZE);
nodeScratch[0] = 0x01;

/** The leaf hash of one record: SHA-256(0x00 ‖ bytes). */
export function hashLeaf(bytes: Uint8Array): Uint8Array {
  if (bytes.length + 1 > leafScratch.length) leafScratch = Buffer.alloc(Math.max(bytes.length + 1, leafScratch.length * 2));
  leafScratch[0] = 0x00;
  leafScratch.set(bytes, 1);
  return hash('sha256', leafScratch.subarray(0, bytes.length + 1), 'buffer');
}

/** An interior node: SHA-256(0x01 ‖ left ‖ right). */
export function hashChildren(left: Uint8Array, right: Uint8Array): Uint8Array {
  nodeScratch.set(left, 1);
  nodeScratch.set(right, 1 + HASH_SIZE);
  return hash('sha256', nodeScratch, 'buffer');
}

export function hashesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The largest power of two strictly below n (n ≥ 2), the split point of RFC 9162. */
export function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function isHash(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && value.length === HASH_SIZE;
}

function isSize(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isOdd(n: number): boolean {
  return n % 2 === 1;
}

function half(n: number): number {
  return Math.floor(n / 2);
}

/**
 * The right edge of a Merkle tree: the roots of the perfect subtrees that make up the first `size`
 * leaves, largest first, one per set bit of `size`. Appending a leaf merges equal-height subtrees, so
 * each interior node is computed exactly once, at the moment its subtree becomes complete.
 */
export class CompactRange {
  #size: number;
  #peaks: Uint8Array[];

  constructor(size = 0, peaks: Uint8Array[] = []) {
    if (!isSize(size)) throw new RangeError(`a tree size must be a non-negative integer, not ${String(size)}`);
    if (peaks.length !== popcount(size)) {
      throw new RangeError(`a tree of ${size} leaves has ${popcount(size)} peaks, not ${peaks.length}`);
    }
    this.#size = size;
    this.#peaks = [...peaks];
  }

  get size(): number {
    return this.#size;
  }

  /** The peak hashes, largest subtree first (copies are not made; do not mutate them). */
  get peaks(): readonly Uint8Array[] {
    return this.#peaks;
  }

  /**
   * Adds one leaf. `onNode` receives the leaf hash and then every interior node that this append
   * completes, lowest first: exactly the post-order in which treeStore.ts lays nodes out on disk.
   */
  append(leafHash: Uint8Array, onNode?: (node: Uint8Array) => void): void {
    onNode?.(leafHash);
    let node = leafHash;
    let s = this.#size;
    while (isOdd(s)) {
      const left = this.#peaks.pop();
      if (left === undefined) throw new Error('compact range is inconsistent with its size');
      node = hashChildren(left, node);
      onNode?.(node);
      s = (s - 1) / 2;
    }
    this.#peaks.push(node);
    this.#size += 1;
  }

  /** The RFC 9162 root: the peaks folded from the right. */
  root(): Uint8Array {
    const last = this.#peaks.length - 1;
    if (last < 0) return EMPTY_ROOT;
    let acc = this.#peaks[last] as Uint8Array;
    for (let i = last - 1; i >= 0; i--) acc = hashChildren(this.#peaks[i] as Uint8Array, acc);
    return acc;
  }

  clone(): CompactRange {
    return new CompactRange(this.#size, this.#peaks);
  }
}

/** The number of set bits of a non-negative safe integer. */
export function popcount(n: number): number {
  let count = 0;
  let x = n;
  while (x > 0) {
    if (isOdd(x)) count++;
    x = half(x);
  }
  return count;
}

/** The number of trailing zero bits of a positive safe integer. */
export function trailingZeros(n: number): number {
  let count = 0;
  let x = n;
  while (x > 0 && !isOdd(x)) {
    count++;
    x = x / 2;
  }
  return count;
}

// ───────────────────────────── verification ─────────────────────────────

/**
 * Checks an RFC 9162 §2.1.3.2 inclusion proof: that the leaf with hash `leafHash` is leaf number
 * `leafIndex` of the tree of `treeSize` leaves whose root is `root`. Returns false for anything that is
 * not a valid proof: wrong types, index ≥ size, size 0, a hash of the wrong length, a proof that is too
 * short or padded, or any altered hash.
 */
export function verifyInclusion(
  leafIndex: number,
  treeSize: number,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  if (!isSize(leafIndex) || !isSize(treeSize) || leafIndex >= treeSize) return false;
  if (!isHash(leafHash) || !isHash(root) || !Array.isArray(proof)) return false;
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r: Uint8Array = leafHash;
  for (const p of proof) {
    if (!isHash(p)) return false;
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      r = hashChildren(p, r);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = hashChildren(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && hashesEqual(r, root);
}

/**
 * Checks an RFC 9162 §2.1.4.2 consistency proof: that the tree of `size2` leaves with root `root2` is
 * an append-only extension of the tree of `size1` leaves with root `root1`. Equal sizes are consistent
 * only with an empty proof and equal roots. Size 0 is refused (there is nothing to prove), as is
 * anything else that is not a valid proof.
 */
export function verifyConsistency(
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): boolean {
  if (!isSize(size1) || !isSize(size2) || size1 === 0 || size1 > size2) return false;
  if (!isHash(root1) || !isHash(root2) || !Array.isArray(proof)) return false;
  for (const p of proof) if (!isHash(p)) return false;
  if (size1 === size2) return proof.length === 0 && hashesEqual(root1, root2);
  if (proof.length === 0) return false;

  // When size1 is a power of two its root is itself a node of the larger tree, and the proof omits it.
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : [...proof];
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0] as Uint8Array;
  let sr = path[0] as Uint8Array;
  for (let i = 1; i < path.length; i++) {
    const c = path[i] as Uint8Array;
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = hashChildren(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && hashesEqual(fr, root1) && hashesEqual(sr, root2);
}

function isPowerOfTwo(n: number): boolean {
  return n > 0 && popcount(n) === 1;
}

// ───────────────────────────── proof generation ─────────────────────────────

/**
 * Where proofs get their hashes from. `subtree(start, end)` returns MTH(D[start:end]) of RFC 9162; the
 * generators only ask for ranges whose start is a multiple of a power of two at least as large as the
 * range, so a source can answer perfect aligned subtrees from storage and compose the ragged right edge.
 */
export interface SubtreeHashes {
  subtree(start: number, end: number): Uint8Array;
}

/** The RFC 9162 §2.1.3.1 inclusion proof for leaf `leafIndex` in the tree of `treeSize` leaves. */
export function inclusionProof(leafIndex: number, treeSize: number, source: SubtreeHashes): Uint8Array[] {
  if (!isSize(leafIndex) || !isSize(treeSize) || leafIndex >= treeSize) {
    throw new RangeError(`no leaf ${String(leafIndex)} in a tree of ${String(treeSize)} leaves`);
  }
  const proof: Uint8Array[] = [];
  // Walk down from the root, collecting the sibling at each level; the proof lists them leaf-first.
  let start = 0;
  let end = treeSize;
  let m = leafIndex;
  while (end - start > 1) {
    const k = largestPowerOfTwoBelow(end - start);
    if (m < k) {
      proof.push(source.subtree(start + k, end));
      end = start + k;
    } else {
      proof.push(source.subtree(start, start + k));
      start += k;
      m -= k;
    }
  }
  return proof.reverse();
}

/** The RFC 9162 §2.1.4.1 consistency proof from the tree of `size1` leaves to that of `size2`. */
export function consistencyProof(size1: number, size2: number, source: SubtreeHashes): Uint8Array[] {
  if (!isSize(size1) || !isSize(size2) || size1 === 0 || size1 > size2) {
    throw new RangeError(`no consistency proof from a tree of ${String(size1)} leaves to one of ${String(size2)}`);
  }
  if (size1 === size2) return [];
  const proof: Uint8Array[] = [];
  let start = 0;
  let end = size2;
  let m = size1;
  // SUBPROOF(m, D[start:end], b): b stays true while the old tree is a left-aligned prefix we can skip.
  let b = true;
  while (m !== end - start) {
    const n = end - start;
    const k = largestPowerOfTwoBelow(n);
    if (m <= k) {
      proof.push(source.subtree(start + k, end));
      end = start + k;
    } else {
      proof.push(source.subtree(start, start + k));
      start += k;
      m -= k;
      b = false;
    }
  }
  if (!b) proof.push(source.subtree(start, end));
  return proof.reverse();
}

/**
 * A source over leaf hashes held in memory: fine for tests and small trees, O(n) per subtree. The audit
 * log itself uses the node file instead.
 */
export function leafHashSource(leaves: readonly Uint8Array[]): SubtreeHashes {
  return {
    subtree(start: number, end: number): Uint8Array {
      if (start < 0 || end > leaves.length || start >= end) {
        throw new RangeError(`no subtree [${start}, ${end}) in ${leaves.length} leaves`);
      }
      return rootOfLeaves(leaves.slice(start, end));
    },
  };
}

/** The root of a tree given all its leaf hashes (streams them through a compact range). */
export function rootOfLeaves(leaves: readonly Uint8Array[]): Uint8Array {
  const range = new CompactRange();
  for (const leaf of leaves) range.append(leaf);
  return range.root();
}
