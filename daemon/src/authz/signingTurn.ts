// The invocations of one turn of the event loop are signed together, one after another, once every request read
// in that turn has been checked and encoded. A signature costs about a quarter of an authorize, and run back to
// back, with the signing code and tables still in the processor's caches, each costs less than when it comes
// between the parsing, path checks and audit writes of its own request. A lone request waits only for the end
// of the current turn.
import type { Ed25519Signer } from '../ucan/ed25519';

interface SignJob {
  signer: Ed25519Signer;
  message: Uint8Array;
  resolve(signature: Uint8Array): void;
  reject(error: unknown): void;
}

export class SigningTurn {
  #jobs: SignJob[] = [];

  /** The signature of `message` by `signer`, made with the rest of this turn's. */
  sign(signer: Ed25519Signer, message: Uint8Array): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      if (this.#jobs.push({ signer, message, resolve, reject }) === 1) setImmediate(this.#signAll);
    });
  }

  readonly #signAll = (): void => {
    const jobs = this.#jobs;
    this.#jobs = [];
    for (const job of jobs) {
      try {
        job.resolve(job.signer.sign(job.message));
      } catch (error) {
        job.reject(error);
      }
    }
  };
}
