// Replay protection for invocations presented to the daemon: a nonce is accepted once per invoker.
// Entries are kept until the invocation could no longer validate anyway (its expiry plus the clock
// allowance), so memory stays bounded by the rate of fresh invocations, not by history.
export class NonceLedger {
  private readonly seen = new Map<string, number>();
  private lastPrune = 0;

  constructor(private readonly clockSkewSeconds = 60) {}

  /** True when `iss` used `nonce` before; otherwise records it, for good until `forgetAfter` says otherwise. */
  checkAndRecord(iss: string, nonce: Uint8Array, now: number): boolean {
    this.prune(now);
    const key = `${iss} ${Buffer.from(nonce).toString('base64')}`;
    if (this.seen.has(key)) return true;
    this.seen.set(key, Number.POSITIVE_INFINITY);
    return false;
  }

  /** Once the invocation is known to expire, its nonce need only be kept that long. */
  forgetAfter(iss: string, nonce: Uint8Array, exp: number | null): void {
    const key = `${iss} ${Buffer.from(nonce).toString('base64')}`;
    if (exp !== null && this.seen.has(key)) this.seen.set(key, exp + this.clockSkewSeconds);
  }

  get size(): number {
    return this.seen.size;
  }

  private prune(now: number): void {
    if (now - this.lastPrune < 60) return;
    this.lastPrune = now;
    for (const [key, until] of this.seen) if (until < now) this.seen.delete(key);
  }
}
