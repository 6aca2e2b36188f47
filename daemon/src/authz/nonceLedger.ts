// Replay protection for invocations presented to the daemon: a nonce is accepted once per invoker.
// Entries are kept until the invocation could no longer validate anyway (its expiry plus the clock
// allowance), so memory stays bounded by the rate of fresh invocations, not by history.
//
// With a file the ledger outlives the daemon: every accepted nonce is written (one `write`, before the
// acceptance is answered) to an append-only file, so a restart, even after SIGKILL, still refuses a replay.
// The write is not fsynced: a killed process loses nothing the kernel already has, and only a power loss
// within the invocation's lifetime could forget a nonce. At open, the entries that expired are dropped and
// the file is rewritten, so it stays as small as the live entries.
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { writeFileAtomic } from '../home/atomicFile';

export class NonceLedger {
  private readonly seen = new Map<string, number>();
  private lastPrune = 0;
  private fd: number | undefined;
  private linesInFile = 0;

  constructor(private readonly clockSkewSeconds = 60) {}

  /** A ledger kept in `path` (one `<until> <issuer> <nonce>` line per accepted nonce); entries expired by `now` are dropped. */
  static async open(path: string, now: number, clockSkewSeconds = 60): Promise<NonceLedger> {
    const ledger = new NonceLedger(clockSkewSeconds);
    let text = '';
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    for (const line of text.split('\n')) {
      // A torn last line (a write cut short) is skipped; a nonce it held was never answered as accepted.
      const match = /^(\d+|never) (\S+ \S+)$/.exec(line);
      if (!match?.[1] || !match[2]) continue;
      const until = match[1] === 'never' ? Number.POSITIVE_INFINITY : Number(match[1]);
      if (until >= now) ledger.seen.set(match[2], until);
    }
    await writeFileAtomic(path, ledger.serialise(), 0o600);
    ledger.linesInFile = ledger.seen.size;
    ledger.fd = openSync(path, 'a', 0o600);
    return ledger;
  }

  /** True when `iss` used `nonce` before; otherwise records it, for good until `forgetAfter` says otherwise. */
  checkAndRecord(iss: string, nonce: Uint8Array, now: number): boolean {
    if (this.has(iss, nonce, now)) return true;
    this.seen.set(keyOf(iss, nonce), Number.POSITIVE_INFINITY);
    return false;
  }

  /** Whether `iss` used `nonce` before, without recording it. */
  has(iss: string, nonce: Uint8Array, now: number): boolean {
    this.prune(now);
    return this.seen.has(keyOf(iss, nonce));
  }

  /**
   * Records an accepted nonce until the invocation's expiry (`null`: for good) and, with a file, writes it
   * there before returning, so that it is refused after a restart too.
   */
  record(iss: string, nonce: Uint8Array, exp: number | null): void {
    const key = keyOf(iss, nonce);
    const until = exp === null ? Number.POSITIVE_INFINITY : exp + this.clockSkewSeconds;
    this.seen.set(key, until);
    if (this.fd !== undefined) {
      writeSync(this.fd, `${until === Number.POSITIVE_INFINITY ? 'never' : until} ${key}\n`);
      this.linesInFile++;
    }
  }

  /** Once the invocation is known to expire, its nonce need only be kept that long. */
  forgetAfter(iss: string, nonce: Uint8Array, exp: number | null): void {
    const key = keyOf(iss, nonce);
    if (exp !== null && this.seen.has(key)) this.seen.set(key, exp + this.clockSkewSeconds);
  }

  get size(): number {
    return this.seen.size;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private serialise(): string {
    let text = '';
    for (const [key, until] of this.seen) text += `${until === Number.POSITIVE_INFINITY ? 'never' : until} ${key}\n`;
    return text;
  }

  private prune(now: number): void {
    if (now - this.lastPrune < 60) return;
    this.lastPrune = now;
    for (const [key, until] of this.seen) if (until < now) this.seen.delete(key);
  }
}

function keyOf(iss: string, nonce: Uint8Array): string {
  return `${iss} ${Buffer.from(nonce).toString('base64')}`;
}
