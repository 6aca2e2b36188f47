// The audit log: the one writer of `audit.log`, its Merkle tree and its signed checkpoints.
//
// Files in the log folder:
//   audit.log      one record per line (record.ts); the only file that must survive a crash, fdatasynced
//                  before any append is acknowledged
//   audit.tree     every Merkle node in post-order, audit.offsets the byte end of each record
//                  (treeStore.ts); derived, rebuilt from the log when they lag or are lost
//   checkpoint     the latest signed checkpoint, replaced atomically after each batch
//
// Durability is by group commit: appends that arrive while a batch is being written wait for the next
// one, and each batch is one write and one fdatasync. An append resolves only after its batch is on
// disk; when the write or the sync fails, every append of the batch rejects and the file is cut back
// to where it was, so a refused action never leaves a record that claims otherwise.
//
// At start the log repairs what a crash can leave: a torn last line (a write cut short by kill -9 or a
// power loss) is removed and a `log.truncated` record says how many bytes went. Records beyond the index
// are re-indexed by streaming only the tail, so starting costs O(log n) plus the unindexed records,
// not a read of the whole log. A log that no longer matches its own signed checkpoint refuses to open:
// signing on top of it would certify the change.
//
// Whoever can edit audit.log can also delete the checkpoint and the index beside it. So the latest checkpoint is
// also kept outside the log folder (the anchor, in the keystore next to the log key), and a log that no longer
// extends the anchor refuses to open too; only `signet audit reanchor` opens it on purpose, and records that it did.
//
// This file is the writer and its group commit; recovery at open is logRecovery.ts, the checkpoint file and the
// anchor are written by checkpointWriter.ts, reading is logQuery.ts, and the errors are auditLogError.ts.
import { constants, fdatasyncSync } from 'node:fs';
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../logger';
import type { AuditKind, AuditProveConsistencyResult, AuditProveInclusionResult, AuditRecord } from '../server/protocol';
import { AuditLogError, describe, LOG_FILE } from './auditLogError';
import { formatVerifierKey, parseVerifierKey, type CheckpointSigner, type VerifierKey } from './checkpoint';
import { CheckpointWriter, type CheckpointAnchor } from './checkpointWriter';
import { queryLog, recordsMentioningIn, type AuditQuery } from './logQuery';
import { LogRecovery } from './logRecovery';
import { CompactRange, consistencyProof, hashLeaf, inclusionProof } from './merkle';
import { isAuditKind, MAX_RECORD_BYTES, recordLine } from './record';
import { encodeOffsets, NodeBuffer, TreeStore, writeAll, writeAllSync } from './treeStore';

// Kept importable from here, where they were declared before the log was split by concern.
export { AuditLogError, CHECKPOINT_FILE, LOG_FILE, REANCHOR_FIX, type AuditLogErrorCode } from './auditLogError';
export { ANCHOR_SPACING_MS, CHECKPOINT_SPACING_MS, type CheckpointAnchor } from './checkpointWriter';
export type { AuditQuery } from './logQuery';

export interface AuditEntry {
  /** The DID of the agent the record is about, or null for the daemon or the user. */
  agent: string | null;
  kind: AuditKind;
  data: Record<string, unknown>;
}

/** Hears each durable record with its line in the log, which is the record's JSON text. */
export type AuditListener = (record: AuditRecord, line: string) => void;

export interface TruncationNotice {
  /** How many bytes of torn last line were removed. */
  bytes: number;
  /** The byte offset the log was cut back to. */
  offset: number;
  /** The `log.truncated` record appended to say so. */
  record: AuditRecord;
}

export interface AuditLogOptions {
  /** Signs a checkpoint after each batch; without it no checkpoint is written. */
  checkpointSigner?: CheckpointSigner;
  /** The checkpoint origin line; defaults to the signer's key name (the convention of tlog-checkpoint). */
  origin?: string;
  /** Told when start-up removed a torn last line. */
  onTruncated?: (notice: TruncationNotice) => void;
  /** Told about problems that do not fail an append: the index or checkpoint could not be written. */
  onError?: (error: Error) => void;
  /** The daemon's log: gets the truncation notice and the errors above when no callback is given for them. */
  log?: Logger;
  /**
   * How long an idle log waits for more appends before it writes (default 0: as soon as the work at hand is done,
   * at process.nextTick; appends made meanwhile wait for the batch being written and go in the next).
   */
  commitWindowMs?: number;
  /** Most records per write + fdatasync (default 4096; 1 means a sync per record, for comparison). */
  maxBatchRecords?: number;
  /** Keeps the latest checkpoint outside the log folder and refuses a log that does not extend it (needs `checkpointSigner`). */
  anchor?: CheckpointAnchor;
  /**
   * Opens a log that no longer extends its anchor or its own checkpoint, and anchors it as it is: only for
   * `signet audit reanchor`, which records the reanchoring as the first thing it appends.
   */
  reanchor?: boolean;
}

/** Proofs as the daemon serves them (`audit/proveInclusion`, `audit/proveConsistency`): hashes in standard base64. */
export type AuditInclusionProof = AuditProveInclusionResult;
export type AuditConsistencyProof = AuditProveConsistencyResult;

interface Pending {
  time: string;
  agent: string | null;
  kind: AuditKind;
  data: Record<string, unknown>;
  dataJson: string;
  resolve: (record: AuditRecord) => void;
  reject: (error: Error) => void;
}

const DEFAULT_MAX_BATCH = 4096;
const MAX_BATCH_BYTES = 8 * 1024 * 1024;
const SYNC_WRITE_BYTES = 1024 * 1024;
/** A lone record's fdatasync runs on the event loop while recent syncs average less than this (see #sync). */
const INLINE_SYNC_LIMIT_MS = 1;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

async function syncDirectory(dir: string): Promise<void> {
  const fh = await open(dir, constants.O_RDONLY);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export class AuditLog {
  readonly dir: string;
  #fh: FileHandle;
  #store: TreeStore;
  #tree = new CompactRange();
  #bytes = 0;
  #verifier: VerifierKey | undefined;
  #origin: string | undefined;
  #onError: (error: Error) => void;
  #commitWindowMs: number;
  #maxBatch: number;

  #queue: Pending[] = [];
  #scheduled = false;
  #running: Promise<void> | null = null;
  #closed = false;
  #unusable: AuditLogError | null = null;
  #indexError: AuditLogError | null = null;
  #indexWaiters: { size: number; resolve: () => void; reject: (error: Error) => void }[] = [];
  #listeners = new Set<AuditListener>();
  /** Work owed after a batch's answers: notices to subscribers, the node file, the checkpoint (#afterAnswers). */
  #deferred: (() => void)[] = [];
  /** A moving average of how long fdatasync has taken, in milliseconds; the first sync goes to the pool. */
  #recentSyncMs = INLINE_SYNC_LIMIT_MS;
  #batches = 0;
  #checkpoints: CheckpointWriter;
  #anchor: CheckpointAnchor | undefined;
  #reanchor: boolean;
  /** The anchor found at open, before this log moved it on; `signet audit reanchor` reports against it. */
  #previousAnchor: { size: number; rootHash: Uint8Array } | null = null;

  private constructor(dir: string, fh: FileHandle, store: TreeStore, opts: AuditLogOptions) {
    this.dir = dir;
    this.#fh = fh;
    this.#store = store;
    if (opts.checkpointSigner) {
      this.#verifier = parseVerifierKey(formatVerifierKey(opts.checkpointSigner.keyName, opts.checkpointSigner.publicKey));
    }
    this.#origin = opts.origin ?? opts.checkpointSigner?.keyName;
    const log = opts.log;
    this.#onError = opts.onError ?? ((error) => log?.error('audit log', error));
    this.#commitWindowMs = opts.commitWindowMs ?? 0;
    this.#maxBatch = Math.max(1, opts.maxBatchRecords ?? DEFAULT_MAX_BATCH);
    this.#anchor = opts.checkpointSigner ? opts.anchor : undefined;
    this.#reanchor = opts.reanchor === true;
    this.#checkpoints = new CheckpointWriter(
      dir,
      { size: () => this.size, root: () => this.#tree.root(), closed: () => this.#closed },
      { signer: opts.checkpointSigner, origin: this.#origin, anchor: this.#anchor, onError: this.#onError },
    );
  }

  /** Opens or creates the log in `dir`, repairing what a crash left (see the file comment). */
  static async open(dir: string, opts: AuditLogOptions = {}): Promise<AuditLog> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const path = join(dir, LOG_FILE);
    let fh: FileHandle;
    try {
      fh = await open(path, constants.O_RDWR);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new AuditLogError('unusable', `cannot open ${path} (${describe(error)}); check that the Signet home is yours and writable`, { cause: error });
      }
      fh = await open(path, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL, 0o600);
      // The new file's directory entry must be durable too, or a crash could lose the whole log.
      await syncDirectory(dir);
    }
    let store: TreeStore | undefined;
    try {
      store = await TreeStore.open(dir, true);
      const log = new AuditLog(dir, fh, store, opts);
      const truncated = await log.#recover();
      if (truncated) {
        const record = await log.append({
          agent: null,
          kind: 'log.truncated',
          data: { bytes: truncated.bytes, offset: truncated.offset, reason: 'torn last line left by a crash during a write' },
        });
        if (opts.onTruncated) opts.onTruncated({ ...truncated, record });
        else opts.log?.warn(`the audit log ended in a torn line (${truncated.bytes} bytes) left by a crash; it was removed and recorded as seq ${record.seq}`);
      } else if (log.#checkpoints.behind()) {
        await log.#checkpoints.write(true);
      }
      return log;
    } catch (error) {
      await fh.close().catch(() => {});
      await store?.close().catch(() => {});
      throw error;
    }
  }

  /** The number of durable records (and the sequence number of the next one). */
  get size(): number {
    return this.#tree.size;
  }

  /** Durable writes (each one write + one fdatasync) since open: shows group commit at work. */
  get commits(): number {
    return this.#batches;
  }

  /** The verifier key string of the checkpoint signer, for `signet audit verify`. */
  get verifierKey(): string | undefined {
    return this.#verifier?.text;
  }

  get origin(): string | undefined {
    return this.#origin;
  }

  // ───────────────────────────── start-up ─────────────────────────────

  /** Repairs what a crash left and refuses a changed log (logRecovery.ts), then takes what recovery found. */
  async #recover(): Promise<{ bytes: number; offset: number } | null> {
    const recovery = new LogRecovery({ dir: this.dir, fh: this.#fh, store: this.#store, verifier: this.#verifier, anchor: this.#anchor, reanchor: this.#reanchor, onError: this.#onError });
    const truncated = await recovery.recover();
    const found = recovery.recovered;
    this.#tree = found.tree;
    this.#bytes = found.bytes;
    this.#previousAnchor = found.previousAnchor;
    this.#checkpoints.adopt(found.lastCheckpoint, found.anchoredSize);
    return truncated;
  }

  /** The anchor the log was checked against at open (before it moved on), or null when there was none. */
  get previousAnchor(): { size: number; rootHash: Uint8Array } | null {
    return this.#previousAnchor;
  }

  // ───────────────────────────── appending ─────────────────────────────

  /** Appends a record; resolves with it once it is durable, rejects if it could not be made durable. */
  append(entry: AuditEntry): Promise<AuditRecord> {
    if (this.#closed) return Promise.reject(new AuditLogError('closed', 'the audit log is closed'));
    if (this.#unusable) return Promise.reject(this.#unusable);
    if (!isPlainObject(entry)) return Promise.reject(new AuditLogError('invalid-entry', 'an audit entry is an object'));
    const { agent, kind, data } = entry;
    if (!isAuditKind(kind)) return Promise.reject(new AuditLogError('invalid-entry', `${JSON.stringify(kind)} is not an audit kind`));
    if (agent !== null && (typeof agent !== 'string' || agent.length === 0)) {
      return Promise.reject(new AuditLogError('invalid-entry', 'an audit entry agent is a DID or null'));
    }
    if (!isPlainObject(data)) return Promise.reject(new AuditLogError('invalid-entry', 'audit entry data is a JSON object'));
    let dataJson: unknown;
    try {
      dataJson = JSON.stringify(data);
    } catch (error) {
      return Promise.reject(new AuditLogError('invalid-entry', `audit entry data cannot be written as JSON: ${describe(error)}`, { cause: error }));
    }
    if (typeof dataJson !== 'string' || !dataJson.startsWith('{')) {
      return Promise.reject(new AuditLogError('invalid-entry', 'audit entry data does not serialise to a JSON object'));
    }
    if (dataJson.length > MAX_RECORD_BYTES) {
      return Promise.reject(new AuditLogError('invalid-entry', `audit entry data is over ${MAX_RECORD_BYTES} bytes; record a digest instead`));
    }
    const time = new Date().toISOString();
    return new Promise<AuditRecord>((resolve, reject) => {
      this.#queue.push({ time, agent, kind, data, dataJson, resolve, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#running || this.#scheduled) return;
    this.#scheduled = true;
    const start = (): void => {
      this.#scheduled = false;
      this.#running = this.#drain().finally(() => {
        this.#running = null;
        if (this.#queue.length > 0) this.#schedule();
      });
    };
    // Not setImmediate: a lone record (an agent waiting for its allow) would wait for a whole loop iteration.
    if (this.#commitWindowMs > 0) setTimeout(start, this.#commitWindowMs);
    else process.nextTick(start);
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      let count = 0;
      let bytes = 0;
      while (count < this.#queue.length && count < this.#maxBatch && bytes < MAX_BATCH_BYTES) {
        bytes += (this.#queue[count] as Pending).dataJson.length + 160;
        count++;
      }
      const batch = this.#queue.splice(0, count);
      try {
        await this.#commit(batch);
      } catch (cause) {
        // Not a write failure (those are handled inside): a bug. Fail closed rather than leave callers hanging.
        this.#unusable = new AuditLogError('unusable', 'the audit log failed unexpectedly and takes no more records; restart the daemon', { cause });
        this.#onError(this.#unusable);
        for (const p of batch) p.reject(this.#unusable);
      }
    }
  }

  async #commit(batch: Pending[]): Promise<void> {
    if (this.#unusable) {
      for (const p of batch) p.reject(this.#unusable);
      return;
    }
    const firstSeq = this.#tree.size;
    const startBytes = this.#bytes;
    const tree = this.#tree.clone();
    const nodes = new NodeBuffer();
    const addNode = (node: Uint8Array): void => nodes.push(node);
    const ends: number[] = [];
    const lines: Buffer[] = [];
    const records: AuditRecord[] = [];
    let offset = startBytes;
    for (let i = 0; i < batch.length; i++) {
      const p = batch[i] as Pending;
      const seq = firstSeq + i;
      const bytes = Buffer.from(`${recordLine(seq, p.time, p.agent, p.kind, p.dataJson)}\n`, 'utf8');
      tree.append(hashLeaf(bytes.subarray(0, bytes.length - 1)), addNode);
      offset += bytes.length;
      ends.push(offset);
      lines.push(bytes);
      records.push({ seq, time: p.time, agent: p.agent, kind: p.kind, data: p.data });
    }
    try {
      const data = lines.length === 1 ? (lines[0] as Buffer) : Buffer.concat(lines);
      // A small batch is copied into the page cache directly: a thread-pool round trip costs more than
      // the copy. The fdatasync, which waits for the disk, blocks the event loop only when quick (#sync).
      if (data.length <= SYNC_WRITE_BYTES) writeAllSync(this.#fh.fd, data, startBytes);
      else await writeAll(this.#fh, data, startBytes);
      await this.#sync(batch.length);
    } catch (cause) {
      const error = new AuditLogError(
        'write-failed',
        `the audit log could not be written (${describe(cause)}), so ${batch.length} record(s) were not recorded; ` +
          'the actions they describe are refused. Free disk space or fix the permissions of the Signet home.',
        { cause },
      );
      await this.#rollback(startBytes);
      for (const p of batch) p.reject(error);
      return;
    }
    this.#tree = tree;
    this.#bytes = offset;
    this.#batches++;
    for (let i = 0; i < batch.length; i++) (batch[i] as Pending).resolve(records[i] as AuditRecord);
    // Whoever waits for these records (an agent waiting for its allow) is answered first; subscribers, the
    // node file and the checkpoint follow in the next turn of the event loop. Queries and proofs already cope
    // with an index that lags the log.
    this.#afterAnswers(() => {
      for (let i = 0; i < records.length; i++) {
        const record = records[i] as AuditRecord;
        const line = lines[i] as Buffer;
        for (const listener of this.#listeners) {
          try {
            listener(record, line.toString('utf8', 0, line.length - 1));
          } catch (error) {
            this.#onError(new Error('an audit log subscriber threw', { cause: error }));
          }
        }
      }
      this.#writeIndex(nodes.bytes(), encodeOffsets(ends), firstSeq, batch.length);
      this.#checkpoints.schedule();
    });
  }

  /** Runs `work` after the current turn of the event loop, in order with earlier work. */
  #afterAnswers(work: () => void): void {
    if (this.#deferred.push(work) === 1) setImmediate(this.#runDeferred);
  }

  readonly #runDeferred = (): void => {
    const work = this.#deferred;
    this.#deferred = [];
    for (const w of work) w();
  };

  /**
   * fdatasync of the log. A lone record, with nothing else waiting to be written, is synced on the event loop's
   * own thread while the disk has lately been quick: two thread hops (there and back to libuv's pool) cost a
   * waiting agent more than the sync itself here. Anything larger, or a disk that has been slow, goes to the pool,
   * so that a stalling disk never freezes the daemon for other callers.
   */
  async #sync(records: number): Promise<void> {
    const start = performance.now();
    if (records === 1 && this.#queue.length === 0 && this.#recentSyncMs < INLINE_SYNC_LIMIT_MS) fdatasyncSync(this.#fh.fd);
    else await this.#fh.datasync();
    this.#recentSyncMs += (performance.now() - start - this.#recentSyncMs) / 8;
  }

  /** Cuts the log back after a failed batch; if even that fails, the log takes no more appends. */
  async #rollback(startBytes: number): Promise<void> {
    try {
      await this.#fh.truncate(startBytes);
      await this.#fh.datasync();
    } catch (cause) {
      this.#unusable = new AuditLogError(
        'unusable',
        'the audit log could not be restored after a failed write, so it takes no more records; restart the daemon, which repairs the log at start',
        { cause },
      );
      this.#onError(this.#unusable);
    }
  }

  #writeIndex(nodes: Buffer, ends: Buffer, firstSeq: number, count: number): void {
    if (this.#indexError) return;
    try {
      if (this.#store.leafCount !== firstSeq) throw new Error(`the index holds ${this.#store.leafCount} records where ${firstSeq} were expected`);
      this.#store.append(nodes, ends, count);
    } catch (cause) {
      this.#indexError = new AuditLogError(
        'index-unavailable',
        `the Merkle node file could not be written (${describe(cause)}); records are still durable, but proofs are unavailable until the daemon restarts and rebuilds it`,
        { cause },
      );
      this.#onError(this.#indexError);
    }
    const leaves = this.#store.leafCount;
    this.#indexWaiters = this.#indexWaiters.filter((w) => {
      if (this.#indexError) w.reject(this.#indexError);
      else if (w.size <= leaves) w.resolve();
      else return true;
      return false;
    });
  }

  // ───────────────────────────── reading ─────────────────────────────

  /**
   * Listens for appended records; called in sequence order, after each record is durable, with the record
   * and its line in the log (without the newline), which is also its JSON text.
   */
  subscribe(listener: AuditListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Reads matching records by streaming the file; results are oldest first (see AuditQuery). */
  async query(filter: AuditQuery = {}): Promise<AuditRecord[]> {
    if (this.#closed) throw new AuditLogError('closed', 'the audit log is closed');
    return queryLog({ dir: this.dir, known: this.#tree.size, indexed: this.#indexError ? 0 : this.#store.leafCount, bytes: this.#bytes, store: this.#store }, filter);
  }

  /**
   * Every durable record whose line contains one of `needles` (byte strings such as `"kind":"delegation.revoked"`),
   * oldest first. One streaming pass; lines without a needle are not parsed. The daemon reads the states the log
   * certifies (revocations, used-up delegations) with it at start.
   */
  async recordsMentioning(needles: string[]): Promise<AuditRecord[]> {
    if (this.#closed) throw new AuditLogError('closed', 'the audit log is closed');
    return recordsMentioningIn(this.dir, this.#bytes, needles);
  }

  // ───────────────────────────── checkpoints and proofs ─────────────────────────────

  /** The signed checkpoint of the log as it is now. */
  async checkpoint(): Promise<string> {
    if (this.#closed) throw new AuditLogError('closed', 'the audit log is closed');
    return this.#checkpoints.signCurrent();
  }

  #waitIndexed(size: number): Promise<void> {
    if (this.#indexError) return Promise.reject(this.#indexError);
    if (this.#store.leafCount >= size) return Promise.resolve();
    return new Promise((resolve, reject) => this.#indexWaiters.push({ size, resolve, reject }));
  }

  /**
   * Proves that record `seq` is in the tree of `treeSize` records (default: all durable records).
   * Hashes are base64.
   */
  async inclusionProof(seq: number, treeSize?: number): Promise<AuditInclusionProof> {
    const size = treeSize ?? this.size;
    if (!Number.isSafeInteger(seq) || !Number.isSafeInteger(size) || seq < 0 || seq >= size || size > this.size) {
      throw new AuditLogError('invalid-entry', `there is no record ${seq} in a tree of ${size} records (the log has ${this.size})`);
    }
    await this.#waitIndexed(size);
    const proof = inclusionProof(seq, size, this.#store);
    const result: AuditInclusionProof = {
      seq,
      treeSize: size,
      leafHash: toBase64(this.#store.node(0, seq)),
      proof: proof.map(toBase64),
      rootHash: toBase64(this.#store.rootAt(size)),
    };
    const note = this.#checkpoints.checkpointFor(size);
    if (note) result.checkpoint = note;
    return result;
  }

  /** Proves that the tree of `to` records (default: all) extends the tree of `from` records. */
  async consistencyProof(from: number, to?: number): Promise<AuditConsistencyProof> {
    const size = to ?? this.size;
    if (!Number.isSafeInteger(from) || !Number.isSafeInteger(size) || from < 1 || from > size || size > this.size) {
      throw new AuditLogError('invalid-entry', `no consistency proof from ${from} to ${size} records (the log has ${this.size}; from must be at least 1)`);
    }
    await this.#waitIndexed(size);
    const result: AuditConsistencyProof = {
      from,
      to: size,
      proof: consistencyProof(from, size, this.#store).map(toBase64),
      fromRoot: toBase64(this.#store.rootAt(from)),
      toRoot: toBase64(this.#store.rootAt(size)),
    };
    const note = this.#checkpoints.checkpointFor(size);
    if (note) result.checkpoint = note;
    return result;
  }

  /** Waits for queued appends, then closes the files. Appends after this reject. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    while (this.#running || this.#scheduled || this.#queue.length > 0) {
      if (this.#running) await this.#running;
      else await new Promise((resolve) => setImmediate(resolve));
    }
    this.#runDeferred();
    await this.#checkpoints.close();
    for (const w of this.#indexWaiters) w.reject(new AuditLogError('closed', 'the audit log is closed'));
    this.#indexWaiters = [];
    await this.#fh.close();
    await this.#store.close();
  }
}
