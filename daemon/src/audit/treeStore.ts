// The Merkle node file and the record index kept next to the log.
//
// `audit.tree` holds every node of the tree, 32 bytes each, in post-order: each leaf hash followed by the
// interior nodes that leaf completes. That is exactly the order in which a compact range produces them,
// so the file only ever grows at its end, and every perfect aligned subtree (hence every hash a proof
// needs, see merkle.ts) is one 32-byte read at a position computed from its level and index. A tree of
// n leaves has 2n − popcount(n) nodes (about 64 bytes per record).
//
// `audit.offsets` holds, for record i, the byte offset in audit.log just past its newline (8 bytes, little
// endian). It lets the log resume after its last indexed record at start-up without reading the whole
// file, and lets queries seek to a sequence number.
//
// Both files are derived from audit.log and are not fsynced: after a crash they may lag the log or end in
// a torn entry, and the log repairs them at the next start (auditLog.ts). They are also not trusted by
// verification beyond naming the sequence number of an edit: the signed checkpoint is what an attacker
// who rewrites them cannot forge.
import { constants, readSync, writeSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { CompactRange, HASH_SIZE, hashChildren, largestPowerOfTwoBelow, popcount, trailingZeros, type SubtreeHashes } from './merkle';

export const TREE_FILE = 'audit.tree';
export const OFFSETS_FILE = 'audit.offsets';
const OFFSET_SIZE = 8;

/** Nodes in a post-order tree of n leaves. */
export function nodeCount(n: number): number {
  return 2 * n - popcount(n);
}

/** The post-order position of the root of the perfect subtree at `level` with index `index`. */
export function nodePosition(level: number, index: number): number {
  const m = (index + 1) * 2 ** level;
  return nodeCount(m) - 1 - (trailingZeros(m) - level);
}

/** The largest n whose post-order tree fits in `entries` nodes. */
export function leavesInNodes(entries: number): number {
  let lo = 0;
  let hi = Math.ceil(entries / 2) + 1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (nodeCount(mid) <= entries) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

async function openFile(path: string, writable: boolean): Promise<FileHandle | null> {
  try {
    return writable
      ? await open(path, constants.O_RDWR | constants.O_CREAT, 0o600)
      : await open(path, constants.O_RDONLY);
  } catch (error) {
    if (!writable && (error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

export class TreeStore implements SubtreeHashes {
  #tree: FileHandle | null;
  #offsets: FileHandle | null;
  #leaves: number;
  #offsetScratch = Buffer.alloc(OFFSET_SIZE);
  // A read-ahead block for sequential leaf reads (verification walks the leaves in order).
  #block = Buffer.alloc(64 * 1024);
  #blockStart = -1;
  #blockLength = 0;

  private constructor(tree: FileHandle | null, offsets: FileHandle | null, leaves: number) {
    this.#tree = tree;
    this.#offsets = offsets;
    this.#leaves = leaves;
  }

  /**
   * Opens (or, when writable, creates) the two files. `leafCount` is how many leaves both files fully
   * describe; a writable store is cut back to exactly that, dropping any torn trailing entries.
   */
  static async open(dir: string, writable: boolean): Promise<TreeStore> {
    const tree = await openFile(join(dir, TREE_FILE), writable);
    const offsets = await openFile(join(dir, OFFSETS_FILE), writable);
    const treeEntries = tree ? Math.floor((await tree.stat()).size / HASH_SIZE) : 0;
    const offsetEntries = offsets ? Math.floor((await offsets.stat()).size / OFFSET_SIZE) : 0;
    const leaves = tree && offsets ? Math.min(leavesInNodes(treeEntries), offsetEntries) : 0;
    const store = new TreeStore(tree, offsets, leaves);
    if (writable) await store.truncate(leaves);
    return store;
  }

  /** The number of records whose leaves, nodes and offsets are all on file. */
  get leafCount(): number {
    return this.#leaves;
  }

  #read(fh: FileHandle | null, into: Buffer, position: number): void {
    if (!fh) throw new RangeError('the tree files do not exist');
    const n = readSync(fh.fd, into, 0, into.length, position);
    if (n !== into.length) throw new RangeError(`the tree file ends before byte ${position + into.length}`);
  }

  /** The hash of the perfect subtree at `level`, index `index` (a leaf hash at level 0). */
  node(level: number, index: number): Uint8Array {
    if ((index + 1) * 2 ** level > this.#leaves) {
      throw new RangeError(`node ${level}/${index} is beyond the ${this.#leaves} indexed records`);
    }
    const out = Buffer.alloc(HASH_SIZE);
    this.#read(this.#tree, out, nodePosition(level, index) * HASH_SIZE);
    return out;
  }

  /** Leaf hash of record `seq`, read through a read-ahead block (for walking the leaves in order). */
  leafHashSequential(seq: number): Uint8Array {
    if (seq >= this.#leaves || !this.#tree) throw new RangeError(`record ${seq} is not indexed`);
    const position = nodePosition(0, seq) * HASH_SIZE;
    if (this.#blockStart < 0 || position < this.#blockStart || position + HASH_SIZE > this.#blockStart + this.#blockLength) {
      this.#blockStart = position;
      this.#blockLength = readSync(this.#tree.fd, this.#block, 0, this.#block.length, position);
      if (this.#blockLength < HASH_SIZE) throw new RangeError(`the tree file ends before record ${seq}`);
    }
    const at = position - this.#blockStart;
    return this.#block.subarray(at, at + HASH_SIZE);
  }

  /** The byte offset in audit.log just past record `seq`'s newline. */
  recordEnd(seq: number): number {
    if (seq < 0 || seq >= this.#leaves) throw new RangeError(`record ${seq} is not indexed`);
    this.#read(this.#offsets, this.#offsetScratch, seq * OFFSET_SIZE);
    return this.#offsetScratch.readUIntLE(0, 6);
  }

  /** The byte offset in audit.log where record `seq` starts (seq may equal the count: the end). */
  recordStart(seq: number): number {
    return seq === 0 ? 0 : this.recordEnd(seq - 1);
  }

  subtree(start: number, end: number): Uint8Array {
    if (!(start >= 0 && start < end && end <= this.#leaves)) {
      throw new RangeError(`no subtree [${start}, ${end}) among ${this.#leaves} indexed records`);
    }
    const size = end - start;
    if (popcount(size) === 1 && start % size === 0) return this.node(trailingZeros(size), start / size);
    const k = largestPowerOfTwoBelow(size);
    return hashChildren(this.subtree(start, start + k), this.subtree(start + k, end));
  }

  /** The right edge of the tree of the first `size` records, read from the node file. */
  compactRange(size: number): CompactRange {
    const peaks: Uint8Array[] = [];
    let start = 0;
    for (let level = 52; level >= 0; level--) {
      const width = 2 ** level;
      if (start + width <= size) {
        peaks.push(this.node(level, start / width));
        start += width;
      }
    }
    return new CompactRange(size, peaks);
  }

  /** The root of the tree of the first `size` records. */
  rootAt(size: number): Uint8Array {
    return this.compactRange(size).root();
  }

  /**
   * Appends the nodes and record end offsets produced for `leaves` new records. Both writes go at the
   * positions the current count implies, so a retry after a partial failure overwrites the torn part.
   * The writes are synchronous: they are small, land in the page cache (these files are never synced),
   * and a thread-pool round trip would cost more than the copy.
   */
  append(nodes: Uint8Array, ends: Uint8Array, leaves: number): void {
    if (!this.#tree || !this.#offsets) throw new Error('the tree store is read-only');
    const before = this.#leaves;
    writeAllSync(this.#tree.fd, nodes, nodeCount(before) * HASH_SIZE);
    writeAllSync(this.#offsets.fd, ends, before * OFFSET_SIZE);
    this.#leaves = before + leaves;
    this.#blockStart = -1;
  }

  /** Cuts both files back to exactly `leaves` records. */
  async truncate(leaves: number): Promise<void> {
    if (!this.#tree || !this.#offsets) throw new Error('the tree store is read-only');
    await this.#tree.truncate(nodeCount(leaves) * HASH_SIZE);
    await this.#offsets.truncate(leaves * OFFSET_SIZE);
    this.#leaves = leaves;
    this.#blockStart = -1;
  }

  async close(): Promise<void> {
    const handles = [this.#tree, this.#offsets];
    this.#tree = null;
    this.#offsets = null;
    for (const fh of handles) await fh?.close();
  }
}

/** Writes the whole buffer at `position`, continuing after short writes (a full disk gives one first). */
export async function writeAll(fh: FileHandle, data: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await fh.write(data, done, data.length - done, position + done);
    if (bytesWritten <= 0) throw new Error(`wrote nothing at byte ${position + done}`);
    done += bytesWritten;
  }
}

/** The synchronous twin of writeAll. */
export function writeAllSync(fd: number, data: Uint8Array, position: number): void {
  let done = 0;
  while (done < data.length) {
    const written = writeSync(fd, data, done, data.length - done, position + done);
    if (written <= 0) throw new Error(`wrote nothing at byte ${position + done}`);
    done += written;
  }
}

/** Collects node hashes into one growing buffer (a hash object per node would keep the collector busy). */
export class NodeBuffer {
  #buf = Buffer.allocUnsafe(64 * 1024);
  #length = 0;

  push(node: Uint8Array): void {
    if (this.#length + HASH_SIZE > this.#buf.length) {
      const bigger = Buffer.allocUnsafe(this.#buf.length * 2);
      this.#buf.copy(bigger, 0, 0, this.#length);
      this.#buf = bigger;
    }
    this.#buf.set(node, this.#length);
    this.#length += HASH_SIZE;
  }

  /** The collected bytes (a view, valid until the next push after `clear`). */
  bytes(): Buffer {
    return this.#buf.subarray(0, this.#length);
  }

  clear(): void {
    this.#length = 0;
  }
}

/** Encodes record end offsets for `TreeStore.append`. */
export function encodeOffsets(ends: readonly number[]): Buffer {
  const out = Buffer.alloc(ends.length * OFFSET_SIZE);
  for (let i = 0; i < ends.length; i++) out.writeUIntLE(ends[i] as number, i * OFFSET_SIZE, 6);
  return out;
}
