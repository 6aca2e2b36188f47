// Streams the lines of a file in large chunks, so that a log of any length is read with a fixed amount
// of memory. Each chunk hands out the positions of the complete lines it holds; a final line without a
// newline is never handed out, and its length is reported as `tailBytes` once the reader is done.
import type { FileHandle } from 'node:fs/promises';

export interface LineChunk {
  /** The bytes; valid only until the next call to `next()`, which reuses the buffer. */
  data: Buffer;
  /** Line i is `data[starts[i], ends[i])`, without its newline. */
  starts: number[];
  ends: number[];
  /** The file offset of `data[0]`. */
  fileOffset: number;
}

const DEFAULT_CHUNK = 1024 * 1024;
/** A line longer than this is not an audit record (records are at most 1 MiB); reading stops there. */
const MAX_LINE_BYTES = 16 * 1024 * 1024;

export class LineTooLongError extends Error {
  constructor(readonly offset: number) {
    super(`the line at byte ${offset} is longer than ${MAX_LINE_BYTES} bytes, so it cannot be an audit record`);
  }
}

export class LineReader {
  #fh: FileHandle;
  #pos: number;
  #to: number;
  #buf: Buffer;
  #carryFrom = 0;
  #filled = 0;
  #done = false;
  #completeEnd: number;
  #tailBytes = 0;

  /** Reads `[from, to)` of the file; `to` defaults to the end of the file at the time of each read. */
  constructor(fh: FileHandle, from = 0, to = Number.POSITIVE_INFINITY, chunkSize = DEFAULT_CHUNK) {
    this.#fh = fh;
    this.#pos = from;
    this.#to = to;
    this.#completeEnd = from;
    this.#buf = Buffer.allocUnsafe(chunkSize);
  }

  /** The file offset just past the last complete line handed out. */
  get completeEnd(): number {
    return this.#completeEnd;
  }

  /** Bytes after the last newline, known once `next()` has returned null. */
  get tailBytes(): number {
    return this.#tailBytes;
  }

  async next(): Promise<LineChunk | null> {
    if (this.#done) return null;
    // Keep the partial line that followed the previous chunk's last newline.
    let carry = this.#filled - this.#carryFrom;
    if (carry > 0 && this.#carryFrom > 0) this.#buf.copy(this.#buf, 0, this.#carryFrom, this.#filled);
    this.#carryFrom = 0;
    this.#filled = carry;
    for (;;) {
      if (carry === this.#buf.length) {
        if (this.#buf.length >= MAX_LINE_BYTES) throw new LineTooLongError(this.#pos - carry);
        const bigger = Buffer.allocUnsafe(Math.min(this.#buf.length * 2, MAX_LINE_BYTES));
        this.#buf.copy(bigger, 0, 0, carry);
        this.#buf = bigger;
      }
      const want = Math.min(this.#buf.length - carry, this.#to - this.#pos);
      const { bytesRead } = want > 0 ? await this.#fh.read(this.#buf, carry, want, this.#pos) : { bytesRead: 0 };
      if (bytesRead === 0) {
        this.#done = true;
        this.#tailBytes = carry;
        this.#filled = 0;
        return null;
      }
      const scanFrom = carry;
      this.#pos += bytesRead;
      carry += bytesRead;
      this.#filled = carry;
      const fileOffset = this.#pos - carry;
      const starts: number[] = [];
      const ends: number[] = [];
      // Only the new bytes can hold a newline: the carried bytes had none.
      let lineStart = 0;
      let nl = this.#buf.indexOf(10, scanFrom);
      while (nl !== -1 && nl < carry) {
        starts.push(lineStart);
        ends.push(nl);
        lineStart = nl + 1;
        nl = this.#buf.indexOf(10, lineStart);
      }
      if (starts.length === 0) continue;
      this.#carryFrom = lineStart;
      this.#completeEnd = fileOffset + lineStart;
      return { data: this.#buf, starts, ends, fileOffset };
    }
  }
}
