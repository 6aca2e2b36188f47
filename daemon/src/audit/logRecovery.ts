// Recovery at open: what a crash can leave is repaired, and a log that was changed is refused. A torn last line is
// cut off (the caller records that it was); records beyond the index are re-indexed by streaming only the tail;
// the log must still hash to its own signed checkpoint and to the anchor kept outside its folder.
import type { FileHandle } from 'node:fs/promises';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { verifyCheckpoint, type VerifierKey } from './checkpoint';
import { AuditLogError, CHECKPOINT_FILE, describe, LOG_FILE, REANCHOR_FIX } from './auditLogError';
import type { CheckpointAnchor } from './checkpointWriter';
import { LineReader } from './lineReader';
import { CompactRange, hashesEqual, hashLeaf } from './merkle';
import { MAX_RECORD_BYTES, parseRecordLine, seqPrefix } from './record';
import { encodeOffsets, NodeBuffer, type TreeStore } from './treeStore';

const REINDEX_FLUSH_RECORDS = 65536;

export interface RecoveryContext {
  dir: string;
  fh: FileHandle;
  store: TreeStore;
  /** Checks the saved checkpoint and the anchor; without it neither is read. */
  verifier: VerifierKey | undefined;
  anchor: CheckpointAnchor | undefined;
  /** Opens a changed log anyway, for `signet audit reanchor`. */
  reanchor: boolean;
  onError: (error: Error) => void;
}

/** What recovery found: the tree and byte length of the log as it now is, and what the checkpoints said. */
export interface RecoveredLog {
  tree: CompactRange;
  bytes: number;
  lastCheckpoint: { size: number; note: string } | null;
  anchoredSize: number;
  previousAnchor: { size: number; rootHash: Uint8Array } | null;
}

export class LogRecovery {
  readonly dir: string;
  #fh: FileHandle;
  #store: TreeStore;
  #verifier: VerifierKey | undefined;
  #anchor: CheckpointAnchor | undefined;
  #reanchor: boolean;
  #onError: (error: Error) => void;
  #tree = new CompactRange();
  #bytes = 0;
  #lastCheckpoint: { size: number; note: string } | null = null;
  #anchoredSize = -1;
  #previousAnchor: { size: number; rootHash: Uint8Array } | null = null;

  constructor(context: RecoveryContext) {
    this.dir = context.dir;
    this.#fh = context.fh;
    this.#store = context.store;
    this.#verifier = context.verifier;
    this.#anchor = context.anchor;
    this.#reanchor = context.reanchor;
    this.#onError = context.onError;
  }

  get size(): number {
    return this.#tree.size;
  }

  get recovered(): RecoveredLog {
    return { tree: this.#tree, bytes: this.#bytes, lastCheckpoint: this.#lastCheckpoint, anchoredSize: this.#anchoredSize, previousAnchor: this.#previousAnchor };
  }

  /** Repairs and checks the log; resolves with the torn tail it cut off, if any (see the file comment). */
  async recover(): Promise<{ bytes: number; offset: number } | null> {
    // Reanchoring trusts nothing derived: the index is rebuilt from the log as it is.
    if (this.#reanchor) await this.#store.truncate(0);
    const saved = this.#reanchor ? null : await this.#readSavedCheckpoint();
    const anchored = await this.#readAnchor();
    const trusted = saved?.size ?? 0;
    const truncated = await this.#reindex(true, trusted);
    const problemWith = (): AuditLogError | null => (saved && this.#compareWithCheckpoint(saved)) || (anchored && this.#compareWithCheckpoint(anchored, this.#anchor?.describe())) || null;
    if (problemWith()) {
      // The node file may be what is wrong (it is not synced): rebuild it from the log, parsing every
      // line this time so that a damaged one is named, before blaming the log as a whole.
      await this.#store.truncate(0);
      await this.#reindex(false, 0);
      const problem = problemWith();
      if (problem && !this.#reanchor) throw problem;
    }
    if (this.#anchor && !anchored && !this.#reanchor && this.size > 0 && !saved) {
      // Records, but neither an anchor nor a checkpoint of the log's own: whatever signed them was removed.
      throw new AuditLogError(
        'unanchored',
        `${join(this.dir, LOG_FILE)} holds ${this.size} records, but neither its checkpoint file nor an anchor in ${this.#anchor.describe()} is there to prove them: the log may have been rewritten. Signet does not sign on top of it`,
        { fix: REANCHOR_FIX, data: { seq: null, records: this.size } },
      );
    }
    if (saved) this.#lastCheckpoint = { size: saved.size, note: saved.note };
    if (anchored) this.#anchoredSize = anchored.size;
    this.#previousAnchor = anchored ? { size: anchored.size, rootHash: anchored.rootHash } : null;
    return truncated;
  }

  /** The anchor kept outside the log folder, verified with the log key; a note the key did not sign is refused. */
  async #readAnchor(): Promise<{ size: number; rootHash: Uint8Array; note: string } | null> {
    if (!this.#anchor || !this.#verifier) return null;
    const note = await this.#anchor.read();
    if (note === null) return null;
    try {
      const { size, rootHash } = verifyCheckpoint(note, this.#verifier);
      return { size, rootHash, note };
    } catch (error) {
      if (this.#reanchor) return null;
      throw new AuditLogError('unanchored', `the checkpoint anchored in ${this.#anchor.describe()} is not signed by this log's key (${(error as Error).message})`, {
        cause: error,
        fix: REANCHOR_FIX,
        data: { seq: null },
      });
    }
  }

  /**
   * Brings the index up to the end of the log and cuts off a torn last line. Records below
   * `trustedSize` (the size of the log's own signed checkpoint) are only hashed, not parsed: the root
   * comparison that follows proves them exactly as written, or refuses the log.
   */
  async #reindex(trustIndex: boolean, trustedSize: number): Promise<{ bytes: number; offset: number } | null> {
    const logSize = (await this.#fh.stat()).size;
    let n = trustIndex ? this.#store.leafCount : 0;
    if (n > 0 && !(await this.#lastIndexedRecordMatches(n, logSize))) n = 0;
    if (n !== this.#store.leafCount) await this.#store.truncate(n);
    const tree = this.#store.compactRange(n);
    let validEnd = n > 0 ? this.#store.recordEnd(n - 1) : 0;

    const reader = new LineReader(this.#fh, validEnd, logSize);
    const nodes = new NodeBuffer();
    const addNode = (node: Uint8Array): void => nodes.push(node);
    let ends: number[] = [];
    let bad: { offset: number; reason: string } | null = null;
    const flush = (): void => {
      if (ends.length === 0) return;
      this.#store.append(nodes.bytes(), encodeOffsets(ends), ends.length);
      nodes.clear();
      ends = [];
    };
    scan: for (let chunk = await reader.next(); chunk; chunk = await reader.next()) {
      for (let i = 0; i < chunk.starts.length; i++) {
        const start = chunk.starts[i] as number;
        const end = chunk.ends[i] as number;
        const line = chunk.data.subarray(start, end);
        if (!(tree.size < trustedSize && seqPrefix(line) === tree.size)) {
          const parsed = parseRecordLine(line);
          if (!parsed.ok || parsed.record.seq !== tree.size) {
            const reason = parsed.ok ? `it has seq ${parsed.record.seq} where ${tree.size} was expected` : parsed.reason;
            bad = { offset: chunk.fileOffset + start, reason };
            break scan;
          }
        }
        tree.append(hashLeaf(line), addNode);
        validEnd = chunk.fileOffset + end + 1;
        ends.push(validEnd);
      }
      if (ends.length >= REINDEX_FLUSH_RECORDS) flush();
    }
    flush();

    let truncated: { bytes: number; offset: number } | null = null;
    if (validEnd < logSize) {
      if (bad) {
        // A complete line that is not the next record. Only a run of zero bytes (blocks allocated but
        // never written before a power loss) can be left by a crash; anything else is damage or an edit.
        const first = Buffer.alloc(1);
        await this.#fh.read(first, 0, 1, validEnd);
        if (first[0] !== 0) {
          throw new AuditLogError(
            'corrupt',
            `${join(this.dir, LOG_FILE)} is damaged at byte ${validEnd}, where record ${tree.size} should be: ${bad.reason}. ` +
              'Run `signet audit verify` to see what changed; to go on recording, move the audit folder aside and start the daemon again.',
          );
        }
      }
      await this.#fh.truncate(validEnd);
      await this.#fh.datasync();
      truncated = { bytes: logSize - validEnd, offset: validEnd };
    }
    this.#tree = tree;
    this.#bytes = validEnd;
    return truncated;
  }

  async #lastIndexedRecordMatches(n: number, logSize: number): Promise<boolean> {
    try {
      const start = this.#store.recordStart(n - 1);
      const end = this.#store.recordEnd(n - 1);
      if (end > logSize || end <= start || end - start > MAX_RECORD_BYTES + 4096) return false;
      const bytes = Buffer.alloc(end - start);
      const { bytesRead } = await this.#fh.read(bytes, 0, bytes.length, start);
      if (bytesRead !== bytes.length || bytes[bytes.length - 1] !== 10) return false;
      const line = bytes.subarray(0, -1);
      const parsed = parseRecordLine(line);
      return parsed.ok && parsed.record.seq === n - 1 && hashesEqual(hashLeaf(line), this.#store.node(0, n - 1));
    } catch {
      return false;
    }
  }

  /** The checkpoint this log last signed, if it is there and signed by the current key. */
  async #readSavedCheckpoint(): Promise<{ size: number; rootHash: Uint8Array; note: string } | null> {
    if (!this.#verifier) return null;
    let note: string;
    try {
      note = await readFile(join(this.dir, CHECKPOINT_FILE), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new AuditLogError('unusable', `cannot read ${join(this.dir, CHECKPOINT_FILE)} (${describe(error)})`, { cause: error });
    }
    try {
      const { size, rootHash } = verifyCheckpoint(note, this.#verifier);
      return { size, rootHash, note };
    } catch (error) {
      // A checkpoint by another key (the log key was replaced) proves nothing about this key's log; the
      // next batch replaces it. `signet audit verify` with the old key still checks it.
      this.#onError(new AuditLogError('inconsistent', 'the saved checkpoint is not signed by the current log key and will be replaced', { cause: error }));
      return null;
    }
  }

  /** Compares the log with the checkpoint it last signed; returns the problem, if any. */
  #compareWithCheckpoint({ size, rootHash }: { size: number; rootHash: Uint8Array }, anchoredIn?: string): AuditLogError | null {
    const which = anchoredIn ? `the checkpoint anchored in ${anchoredIn}` : 'its signed checkpoint';
    const code = anchoredIn ? 'unanchored' : 'inconsistent';
    if (size > this.size) {
      return new AuditLogError(code, `${join(this.dir, LOG_FILE)} holds ${this.size} records, but ${which} covers ${size}: records were removed`, {
        fix: REANCHOR_FIX,
        data: { seq: this.size, anchoredSize: size, records: this.size },
      });
    }
    const root = size === this.size ? this.#tree.root() : this.#store.rootAt(size);
    if (!hashesEqual(root, rootHash)) {
      return new AuditLogError(code, `the first ${size} records of ${join(this.dir, LOG_FILE)} no longer hash to the root in ${which}: the log was changed at or before seq ${size - 1}`, {
        fix: REANCHOR_FIX,
        data: { seq: size - 1, anchoredSize: size, records: this.size },
      });
    }
    return null;
  }
}
