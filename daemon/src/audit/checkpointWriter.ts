// The checkpoint writer: after each batch the log's checkpoint file is replaced, coalesced and spaced so that it
// never holds up the next batch's fdatasync, and the anchor outside the log folder follows it, at most once per
// ANCHOR_SPACING_MS and at close. The log itself stays the one writer of records.
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { signCheckpoint, type CheckpointSigner } from './checkpoint';
import { AuditLogError, CHECKPOINT_FILE, describe } from './auditLogError';

/** The least time between two replacements of the checkpoint file under steady appends. */
export const CHECKPOINT_SPACING_MS = 250;

/**
 * Where the latest checkpoint is kept outside the log folder, so that deleting the folder's own checkpoint does
 * not let an edited history pass (the daemon keeps it in the keystore, beside the log key).
 */
export interface CheckpointAnchor {
  /** The anchored checkpoint note, or null when none was ever kept. */
  read(): Promise<string | null>;
  write(note: string): Promise<void>;
  /** Where it is, for people: "the keychain (Secret Service …)". */
  describe(): string;
}

/** The least time between two writes of the anchor under steady appends (each is a keychain call). */
export const ANCHOR_SPACING_MS = 1000;

/** What the writer reads of the log it checkpoints. */
export interface CheckpointedLog {
  size(): number;
  root(): Uint8Array;
  closed(): boolean;
}

export interface CheckpointWriterOptions {
  signer: CheckpointSigner | undefined;
  origin: string | undefined;
  anchor: CheckpointAnchor | undefined;
  onError: (error: Error) => void;
}

export class CheckpointWriter {
  readonly dir: string;
  #log: CheckpointedLog;
  #signer: CheckpointSigner | undefined;
  #origin: string | undefined;
  #anchor: CheckpointAnchor | undefined;
  #onError: (error: Error) => void;
  #lastCheckpoint: { size: number; note: string } | null = null;
  #checkpointWriting: Promise<void> | null = null;
  #checkpointDirty = false;
  /** Ends the pause between two checkpoint writes early (at close). */
  #wakeCheckpointWriter: (() => void) | null = null;
  #anchoredSize = -1;
  #anchoredAt = 0;

  constructor(dir: string, log: CheckpointedLog, options: CheckpointWriterOptions) {
    this.dir = dir;
    this.#log = log;
    this.#signer = options.signer;
    this.#origin = options.origin;
    this.#anchor = options.anchor;
    this.#onError = options.onError;
  }

  get size(): number {
    return this.#log.size();
  }

  /** Takes what recovery found: the checkpoint the log last signed and the size last anchored. */
  adopt(lastCheckpoint: { size: number; note: string } | null, anchoredSize: number): void {
    this.#lastCheckpoint = lastCheckpoint;
    this.#anchoredSize = anchoredSize;
  }

  /** Whether the checkpoint file or the anchor lags the log, as after a crash between a batch and its checkpoint. */
  behind(): boolean {
    return this.#signer !== undefined && (this.#lastCheckpoint?.size !== this.size || (this.#anchor !== undefined && this.#anchoredSize !== this.size));
  }

  /**
   * Replaces the checkpoint file after a batch without holding up the next one. When batches come
   * faster than the file can be replaced, the writes coalesce: the file always ends at the newest size.
   * Back-to-back replacements are spaced by CHECKPOINT_SPACING_MS, because renaming over the file makes
   * the file system flush it, which competes with the next batch's fdatasync and would double the
   * latency of every acknowledged record; `checkpoint()` always signs the current tree regardless.
   */
  schedule(): void {
    if (!this.#signer) return;
    if (this.#checkpointWriting) {
      this.#checkpointDirty = true;
      return;
    }
    this.#checkpointWriting = (async () => {
      do {
        this.#checkpointDirty = false;
        await this.write();
        if (this.#checkpointDirty && !this.#log.closed()) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, CHECKPOINT_SPACING_MS);
            this.#wakeCheckpointWriter = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          this.#wakeCheckpointWriter = null;
        }
      } while (this.#checkpointDirty);
      this.#checkpointWriting = null;
    })();
  }

  async write(anchorNow = false): Promise<void> {
    if (!this.#signer || !this.#origin) return;
    let note: string;
    try {
      note = this.signCurrent();
      const path = join(this.dir, CHECKPOINT_FILE);
      // Written beside and renamed over, so a reader never sees half a checkpoint. Not synced: after a
      // power loss an older checkpoint may reappear, which is still a true statement about the log.
      await writeFile(`${path}.tmp`, note, { mode: 0o600 });
      await rename(`${path}.tmp`, path);
    } catch (cause) {
      this.#onError(new AuditLogError('index-unavailable', `the checkpoint could not be written (${describe(cause)})`, { cause }));
      return;
    }
    // The anchor is a keychain call: under steady appends it moves at most once per ANCHOR_SPACING_MS, and at close.
    if (anchorNow || Date.now() - this.#anchoredAt >= ANCHOR_SPACING_MS) await this.#writeAnchor(note);
  }

  async #writeAnchor(note: string): Promise<void> {
    if (!this.#anchor || this.#anchoredSize === this.#lastCheckpoint?.size) return;
    const size = this.#lastCheckpoint?.size ?? -1;
    try {
      await this.#anchor.write(note);
      this.#anchoredSize = size;
      this.#anchoredAt = Date.now();
    } catch (cause) {
      this.#onError(new AuditLogError('index-unavailable', `the checkpoint could not be anchored in ${this.#anchor.describe()} (${describe(cause)}); records are still durable`, { cause }));
    }
  }

  signCurrent(): string {
    if (!this.#signer || !this.#origin) {
      throw new AuditLogError('index-unavailable', 'this audit log has no checkpoint key, so it signs no checkpoints');
    }
    if (this.#lastCheckpoint?.size === this.size) return this.#lastCheckpoint.note;
    const note = signCheckpoint({ origin: this.#origin, size: this.size, rootHash: this.#log.root() }, this.#signer);
    this.#lastCheckpoint = { size: this.size, note };
    return note;
  }

  checkpointFor(size: number): string | undefined {
    if (!this.#signer) return undefined;
    if (size === this.size) return this.signCurrent();
    return this.#lastCheckpoint?.size === size ? this.#lastCheckpoint.note : undefined;
  }

  /** Finishes the write under way and anchors the final size. */
  async close(): Promise<void> {
    this.#wakeCheckpointWriter?.();
    if (this.#checkpointWriting) await this.#checkpointWriting;
    if (this.#anchor && this.#signer && this.#anchoredSize !== this.size) await this.write(true);
  }
}
