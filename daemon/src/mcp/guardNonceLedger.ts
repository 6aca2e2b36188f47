// The nonces a guard has let through, so that a captured invocation cannot be replayed. An entry is kept until
// its invocation expires (plus the clock allowance); after that the invocation fails validation anyway, so the
// ledger is bounded by the rate of calls times their lifetime, never by history.
//
// The file form is one line per nonce, `<until> <key>\n`, appended and flushed to disk before the call goes
// through, so a guard that crashes and restarts still refuses a replay. Before deciding, the ledger reads what
// other guard processes appended since it last looked (several stdio sessions share one file); two processes
// deciding on the same nonce within the same few microseconds is the one race it leaves open.
import { createHash } from 'node:crypto';
import { closeSync, fdatasyncSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export interface NonceLedger {
  /** Records `key` until `until` (unix seconds) and returns true, or returns false when it was recorded before. */
  claim(key: string, until: number, now: number): boolean;
  close?(): void;
}

/** The ledger key of an invoker's nonce: fixed length, and says nothing about either. */
export function nonceKey(invoker: string, nonce: Uint8Array): string {
  return createHash('sha256').update(invoker).update('\0').update(nonce).digest('base64url');
}

export class MemoryNonceLedger implements NonceLedger {
  protected readonly entries = new Map<string, number>();
  private lastPrune = 0;

  claim(key: string, until: number, now: number): boolean {
    this.prune(now);
    const known = this.entries.get(key);
    if (known !== undefined && known >= now) return false;
    this.entries.set(key, until);
    return true;
  }

  get size(): number {
    return this.entries.size;
  }

  protected prune(now: number): void {
    if (now - this.lastPrune < 60) return;
    this.lastPrune = now;
    for (const [key, until] of this.entries) if (until < now) this.entries.delete(key);
  }
}

export class FileNonceLedger extends MemoryNonceLedger {
  private fd: number;
  private readOffset = 0;
  private lines = 0;

  constructor(private readonly path: string, now = Math.floor(Date.now() / 1000)) {
    super();
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    this.fd = openSync(path, 'a+', 0o600);
    this.readNew(now);
    this.compactIfLarge(now);
  }

  override claim(key: string, until: number, now: number): boolean {
    this.readNew(now);
    if (!super.claim(key, until, now)) return false;
    const line = Buffer.from(`${until} ${key}\n`);
    writeSync(this.fd, line);
    fdatasyncSync(this.fd);
    this.readOffset += line.length;
    this.lines++;
    this.compactIfLarge(now);
    return true;
  }

  close(): void {
    closeSync(this.fd);
  }

  private readNew(now: number): void {
    const size = fstatSync(this.fd).size;
    if (size <= this.readOffset) return;
    const chunk = Buffer.alloc(size - this.readOffset);
    readSync(this.fd, chunk, 0, chunk.length, this.readOffset);
    // Only whole lines: a line being written by another process is read next time.
    const end = chunk.lastIndexOf(0x0a) + 1;
    this.readOffset += end;
    for (const line of chunk.subarray(0, end).toString('utf8').split('\n')) {
      const space = line.indexOf(' ');
      if (space <= 0) continue;
      const until = Number(line.slice(0, space));
      this.lines++;
      if (Number.isFinite(until) && until >= now) this.entries.set(line.slice(space + 1), until);
    }
  }

  // Rewritten with the live entries only, once most lines are of expired nonces.
  private compactIfLarge(now: number): void {
    if (this.lines < 1024 || this.lines < 4 * this.size) return;
    for (const [key, until] of this.entries) if (until < now) this.entries.delete(key);
    const text = [...this.entries].map(([key, until]) => `${until} ${key}\n`).join('');
    const temporary = `${this.path}.${process.pid}.tmp`;
    writeFileSync(temporary, text, { mode: 0o600 });
    const fd = openSync(temporary, 'r');
    fdatasyncSync(fd);
    closeSync(fd);
    renameSync(temporary, this.path);
    closeSync(this.fd);
    this.fd = openSync(this.path, 'a+', 0o600);
    this.readOffset = Buffer.byteLength(text);
    this.lines = this.entries.size;
  }
}

/** For tests and tools: the keys a ledger file holds, with their expiry. */
export function readNonceLedgerFile(path: string): Map<string, number> {
  const entries = new Map<string, number>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const [until, key] = line.split(' ');
    if (until && key) entries.set(key, Number(until));
  }
  return entries;
}
