// `signet audit verify`: re-reads the whole log, recomputes its Merkle tree and checks it against every
// signed checkpoint, naming the first record that was edited, removed, reordered or inserted.
//
// How each change is recognised (records are numbered 0, 1, 2, … in file order when nothing is wrong):
// - removed:   a sequence number never appears (a gap), or the log ends before a checkpoint's size;
// - reordered: a record appears after one with a higher sequence number;
// - inserted:  a sequence number appears twice; with the node file the copy that does not hash to the
//              original leaf is the inserted one;
// - edited:    the record's leaf hash differs from the one audit.tree recorded when it was appended.
//              Whoever can edit the log can also rewrite audit.tree; that edit is still caught by the
//              signed checkpoint, whose root no longer matches the tree recomputed at its size
//              (root-mismatch), only without the exact record;
// - malformed: a line that is not a record in the exact byte form.
// The log is streamed: memory is one read buffer, a bit per sequence number, and the O(log n) tree edge.
import { constants } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CHECKPOINT_FILE, LOG_FILE } from './auditLog';
import { CheckpointError, parseVerifierKey, verifyCheckpoint, type Checkpoint } from './checkpoint';
import { LineReader, LineTooLongError } from './lineReader';
import { LeafHasher, type HashedChunk } from './leafHasher';
import { CompactRange, HASH_SIZE, hashesEqual } from './merkle';
import type { AuditRecord } from '../server/protocol';
import { parseRecordLine, seqPrefix, type ParsedRecord } from './record';
import { TreeStore } from './treeStore';

export type VerifyProblemKind = 'edited' | 'removed' | 'reordered' | 'inserted' | 'malformed' | 'root-mismatch' | 'bad-signature' | 'unanchored';

export interface VerifyProblem {
  /** The sequence number concerned, or null for a problem with a checkpoint itself. */
  seq: number | null;
  kind: VerifyProblemKind;
  message: string;
  /** The 1-based line of audit.log, when the problem is at a line. */
  line?: number;
}

export interface VerifyResult {
  ok: boolean;
  /** Complete lines read. */
  records: number;
  /** The recomputed root over all complete lines, base64. */
  rootHash: string;
  /** Problems ordered by sequence number (checkpoint problems last). */
  problems: VerifyProblem[];
  /** Checkpoints whose signature verified, and whether the log matched each. */
  checkpoints: { size: number; origin: string; source: string; matches: boolean }[];
  /** Remarks that are not tampering, such as a torn last line a running daemon may still be writing. */
  notes: string[];
}

export interface VerifyOptions {
  /**
   * Saved checkpoint notes (`signet audit checkpoint > FILE`), checked in addition to the log's own;
   * give `source` (such as the file name) to have problems name it.
   */
  checkpoints?: (string | { text: string; source: string })[];
  /** The log key, `<name>+<hex id>+<base64>`; every checkpoint must be signed by it. */
  verifierKey: string;
  /** Also check `dir/checkpoint`, the log's latest (default true). */
  includeLogCheckpoint?: boolean;
  /** Stop collecting after this many problems (default 1000). */
  maxProblems?: number;
  /** Hash leaves on a worker thread while this one builds the tree (default true). */
  parallelHashing?: boolean;
}

/** A growable bit set over sequence numbers. */
class SeqBits {
  #bits = new Uint8Array(1024);
  has(i: number): boolean {
    const byte = i >>> 3;
    return byte < this.#bits.length && ((this.#bits[byte] as number) & (1 << (i & 7))) !== 0;
  }
  add(i: number): void {
    const byte = i >>> 3;
    if (byte >= this.#bits.length) {
      let size = this.#bits.length;
      while (size <= byte) size *= 2;
      const bigger = new Uint8Array(size);
      bigger.set(this.#bits);
      this.#bits = bigger;
    }
    this.#bits[byte] = (this.#bits[byte] as number) | (1 << (i & 7));
  }
}

const READ_CHUNK = 512 * 1024;
/** How far past the known records a sequence number may jump (records removed) before it is implausible. */
const MAX_SEQ_JUMP = 16 * 1024 * 1024;

function range(from: number, to: number): string {
  return from === to ? `record ${from} is` : `records ${from}–${to} are`;
}

/** Verifies the log in `dir`; see the file comment for what each problem kind means. */
export async function verifyLog(dir: string, opts: VerifyOptions): Promise<VerifyResult> {
  const verifier = parseVerifierKey(opts.verifierKey);
  const maxProblems = opts.maxProblems ?? 1000;
  const problems: VerifyProblem[] = [];
  const notes: string[] = [];
  const report = (p: VerifyProblem): void => {
    if (problems.length < maxProblems) problems.push(p);
  };

  // Checkpoints: every signature first, then the roots as the stream reaches each size.
  const sources: { text: string; source: string }[] = (opts.checkpoints ?? []).map((c, i) =>
    typeof c === 'string' ? { text: c, source: `saved checkpoint ${i + 1}` } : c,
  );
  if (opts.includeLogCheckpoint ?? true) {
    try {
      sources.push({ text: await readFile(join(dir, CHECKPOINT_FILE), 'utf8'), source: 'the log\'s own checkpoint file' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      notes.push('the log folder has no checkpoint file');
    }
  }
  const checkpoints: (Checkpoint & { source: string; matches: boolean })[] = [];
  for (const { text, source } of sources) {
    try {
      checkpoints.push({ ...verifyCheckpoint(text, verifier), source, matches: false });
    } catch (error) {
      const why = error instanceof CheckpointError ? error.message : String(error);
      report({ seq: null, kind: 'bad-signature', message: `${source} is not a valid checkpoint of this log: ${why}` });
    }
  }
  checkpoints.sort((a, b) => a.size - b.size);

  const logFh = await open(join(dir, LOG_FILE), constants.O_RDONLY).catch((error: unknown) => {
    throw new Error(`cannot read ${join(dir, LOG_FILE)}: ${(error as Error).message}`, { cause: error });
  });
  const store = await TreeStore.open(dir, false).catch(async (error: unknown) => {
    await logFh.close();
    throw error;
  });
  const indexed = store.leafCount;

  const tree = new CompactRange();
  const seen = new SeqBits();
  let maxSeq = -1;
  let nextCheckpoint = 0;
  // First occurrences whose leaf did not match audit.tree: an edit, unless the original turns up later.
  const editedAt = new Map<number, VerifyProblem>();

  const checkRootsAt = (size: number): void => {
    while (nextCheckpoint < checkpoints.length && (checkpoints[nextCheckpoint] as Checkpoint).size === size) {
      const cp = checkpoints[nextCheckpoint] as Checkpoint & { source: string; matches: boolean };
      cp.matches = hashesEqual(tree.root(), cp.rootHash);
      if (!cp.matches) {
        report({
          seq: size - 1,
          kind: 'root-mismatch',
          message: `the first ${size} records do not hash to the root signed in ${cp.source}: a record at or before seq ${size - 1} was changed, removed, inserted or moved since it was signed`,
        });
      }
      nextCheckpoint++;
    }
  };

  let lineNo = 0;
  const checkLine = (line: Uint8Array, leaf: Uint8Array): void => {
    lineNo++;
    tree.append(leaf);
    // A line that hashes to the leaf recorded when record `seq` was appended is byte for byte what the
    // writer produced, and the writer only produces records in the exact form: it needs no parse.
    // Every other line gets the full syntax check.
    const quickSeq = seqPrefix(line);
    const asAppended = quickSeq !== undefined && quickSeq < indexed && hashesEqual(leaf, store.leafHashSequential(quickSeq));
    const parsed: ParsedRecord = asAppended ? { ok: true, record: { seq: quickSeq } as AuditRecord } : parseRecordLine(line);
    // No record of this log can have a sequence number much beyond the lines read and the sizes known;
    // one that claims to is an insertion (and must not send the gap search off to count to 2^53).
    const plausible = lineNo + Math.max(indexed, checkpoints.at(-1)?.size ?? 0) + MAX_SEQ_JUMP;
    if (!parsed.ok) {
      report({ seq: parsed.seq ?? maxSeq + 1, kind: 'malformed', line: lineNo, message: `line ${lineNo} is not a valid record: ${parsed.reason}` });
      if (parsed.seq !== undefined && parsed.seq <= plausible) seen.add(parsed.seq);
    } else if (parsed.record.seq > plausible) {
      report({ seq: parsed.record.seq, kind: 'inserted', line: lineNo, message: `line ${lineNo} claims seq ${parsed.record.seq}, far beyond anything this log has held: a record was inserted` });
    } else {
      const seq = parsed.record.seq;
      const matches = asAppended ? true : seq < indexed ? hashesEqual(leaf, store.leafHashSequential(seq)) : null;
      if (seen.has(seq)) {
        const earlier = editedAt.get(seq);
        if (matches === true && earlier) {
          // The original came second: the earlier line with this number was the insertion.
          earlier.kind = 'inserted';
          earlier.message = `line ${earlier.line} is an inserted record claiming seq ${seq}; the original follows at line ${lineNo}`;
          editedAt.delete(seq);
        } else {
          report({ seq, kind: 'inserted', line: lineNo, message: `line ${lineNo} is a second record with seq ${seq}: a record was inserted` });
        }
      } else {
        if (seq < maxSeq) {
          report({ seq, kind: 'reordered', line: lineNo, message: `record ${seq} (line ${lineNo}) comes after record ${maxSeq}: records were reordered` });
        }
        if (matches === false) {
          const problem: VerifyProblem = {
            seq,
            kind: 'edited',
            line: lineNo,
            message: `record ${seq} (line ${lineNo}) was edited: it no longer hashes to the leaf recorded when it was appended`,
          };
          editedAt.set(seq, problem);
          report(problem);
        }
        seen.add(seq);
      }
      if (seq > maxSeq) maxSeq = seq;
    }
    checkRootsAt(tree.size);
  };

  const hasher = LeafHasher.create(opts.parallelHashing ?? true);
  try {
    checkRootsAt(0);
    const reader = new LineReader(logFh, 0, Number.POSITIVE_INFINITY, READ_CHUNK);
    // Leaves of the next chunks are hashed on the worker while this thread folds the current one in.
    const inFlight: Promise<HashedChunk>[] = [];
    // Chunk copies travel to the worker and back; reusing them keeps memory flat over a long log.
    const spare: ArrayBuffer[] = [];
    const fold = (chunk: HashedChunk): void => {
      for (let i = 0; i < chunk.starts.length; i++) {
        checkLine(chunk.data.subarray(chunk.starts[i], chunk.ends[i]), chunk.hashes.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE));
      }
      if (spare.length < 4) spare.push(chunk.data.buffer as ArrayBuffer);
    };
    try {
      for (let chunk = await reader.next(); chunk; chunk = await reader.next()) {
        const used = (chunk.ends[chunk.ends.length - 1] as number) + 1;
        let memory = spare.pop();
        if (!memory || memory.byteLength < used) memory = new ArrayBuffer(Math.max(used, READ_CHUNK));
        const copy = Buffer.from(memory, 0, used);
        chunk.data.copy(copy, 0, 0, used);
        inFlight.push(hasher.hash(copy, Int32Array.from(chunk.starts), Int32Array.from(chunk.ends)));
        if (inFlight.length >= 3) fold(await (inFlight.shift() as Promise<HashedChunk>));
      }
      while (inFlight.length > 0) fold(await (inFlight.shift() as Promise<HashedChunk>));
    } catch (error) {
      if (!(error instanceof LineTooLongError)) throw error;
      for (const pending of inFlight) fold(await pending);
      report({ seq: maxSeq + 1, kind: 'malformed', line: lineNo + 1, message: `line ${lineNo + 1} is not a record: ${error.message}` });
    }
    if (reader.tailBytes > 0) {
      notes.push(`the log ends in ${reader.tailBytes} bytes without a newline: a write in progress, or a torn line the daemon removes at its next start`);
    }

    // Sequence numbers that never appeared, up to the highest seen or the size of a checkpoint or index.
    let expectedEnd = maxSeq + 1;
    const largest = checkpoints.at(-1);
    if (largest && largest.size > expectedEnd) expectedEnd = largest.size;
    if (indexed > expectedEnd) expectedEnd = indexed;
    let gapStart = -1;
    for (let s = 0; s <= expectedEnd; s++) {
      const missing = s < expectedEnd && !seen.has(s);
      if (missing && gapStart < 0) gapStart = s;
      if (!missing && gapStart >= 0) {
        const beyondEnd = gapStart > maxSeq;
        report({
          seq: gapStart,
          kind: 'removed',
          message: beyondEnd
            ? `${range(gapStart, s - 1)} missing from the end of the log, though ${largest && largest.size >= s ? `${largest.source} covers` : 'audit.tree recorded'} them: the log was truncated`
            : `${range(gapStart, s - 1)} missing: removed from the log`,
        });
        gapStart = -1;
      }
    }
    for (const cp of checkpoints) {
      if (cp.size > tree.size) {
        report({
          seq: tree.size,
          kind: 'root-mismatch',
          message: `${cp.source} covers ${cp.size} records but the log has only ${tree.size} lines`,
        });
      }
    }
  } finally {
    await hasher.close();
    await logFh.close();
    await store.close();
  }

  problems.sort((a, b) => (a.seq ?? Number.POSITIVE_INFINITY) - (b.seq ?? Number.POSITIVE_INFINITY));
  return {
    ok: problems.length === 0,
    records: tree.size,
    rootHash: Buffer.from(tree.root()).toString('base64'),
    problems,
    checkpoints: checkpoints.map(({ size, origin, source, matches }) => ({ size, origin, source, matches })),
    notes,
  };
}

/** A report for people, as `signet audit verify` prints it. */
export function formatVerifyReport(result: VerifyResult): string {
  const lines: string[] = [];
  if (result.ok) {
    lines.push(`audit log OK: ${result.records} records, root ${result.rootHash}`);
  } else {
    const first = result.problems[0] as VerifyProblem;
    lines.push(`audit log FAILED verification: ${first.kind}${first.seq === null ? '' : ` at seq ${first.seq}`}`);
    for (const p of result.problems) lines.push(`  ${p.kind}${p.seq === null ? '' : ` (seq ${p.seq})`}: ${p.message}`);
  }
  for (const cp of result.checkpoints) {
    lines.push(`  ${cp.source}: size ${cp.size}, signature valid, ${cp.matches ? 'the log matches it' : 'the log does NOT match it'}`);
  }
  for (const note of result.notes) lines.push(`  note: ${note}`);
  return `${lines.join('\n')}\n`;
}
