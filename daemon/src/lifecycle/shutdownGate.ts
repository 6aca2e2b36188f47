// What a daemon that has begun to stop refuses, and the authorize calls it waits for: a stop denies every pending
// request and audits that denial before the log closes, so it must know which calls are still under way.
import { SignetErrorCode } from '../server/protocol';
import { RpcError } from '../server/wireErrors';

export class ShutdownGate {
  #stopping = false;
  /** Authorize calls under way, so a shutdown can wait for their denials to be audited. */
  readonly #inFlight = new Set<Promise<unknown>>();

  get stopping(): boolean {
    return this.#stopping;
  }

  /** From now on, requests that would change state are refused. */
  close(): void {
    this.#stopping = true;
  }

  refuseWhileStopping(): void {
    if (this.#stopping) throw new RpcError(SignetErrorCode.ShuttingDown, 'signetd is shutting down');
  }

  /** Keeps `work` until it settles, so that `settled` waits for it. */
  track<T>(work: Promise<T>): Promise<T> {
    this.#inFlight.add(work);
    void work.finally(() => this.#inFlight.delete(work)).catch(() => undefined);
    return work;
  }

  async settled(): Promise<void> {
    await Promise.allSettled([...this.#inFlight]);
  }
}
