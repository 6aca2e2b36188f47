// The invocations that come in together are signed together: a signature is asked for as each request is checked
// and encoded, and the turn's signatures are made once the work at hand is done (process.nextTick: after every
// frame of the current read has been dispatched and their checks have run, before the event loop goes back to wait
// for I/O). A lone request (the usual case: one agent, one call) is signed right there, on the event loop: handing
// it to another thread would only add the hops there and back to what the agent waits for, as would waiting for
// the loop's next iteration. Several at once is a daemon under load, where the event loop is what limits how many
// calls are answered; their signatures are made on a worker thread (signingWorker.ts), on another core, while the
// loop goes on with the next requests. Should the worker fail, they are signed here, as before it existed.
import type { Ed25519Signer } from '../ucan/ed25519';
import { SigningWorker, workerCanSignFor, type SignJob } from './signingWorker';

interface PendingSignature extends SignJob {
  resolve(signature: Uint8Array): void;
  reject(error: unknown): void;
}

/** Turns with at least this many signatures have them made on the worker thread. */
export const OFF_THREAD_FROM = 4;

export interface SigningTurnOptions {
  /** Told once, when the worker thread fails and signing returns to the event loop. */
  onWorkerFailure?: (error: Error) => void;
}

export class SigningTurn {
  #jobs: PendingSignature[] = [];
  #worker: SigningWorker | undefined;
  /** False once the worker has failed or been closed: from then on everything is signed on the event loop. */
  #offThread = true;
  readonly #onWorkerFailure: ((error: Error) => void) | undefined;
  #signedOffThread = 0;

  constructor(options: SigningTurnOptions = {}) {
    this.#onWorkerFailure = options.onWorkerFailure;
  }

  /** How many signatures the worker thread has made (for tests and diagnostics). */
  get signedOffThread(): number {
    return this.#signedOffThread;
  }

  /** The worker, once started (by startWorker or the first busy turn); for tests. */
  get worker(): SigningWorker | undefined {
    return this.#worker;
  }

  /** The signature of `message` by `signer`, made with the rest of this turn's. */
  sign(signer: Ed25519Signer, message: Uint8Array): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      if (this.#jobs.push({ signer, message, resolve, reject }) === 1) process.nextTick(this.#signAll);
    });
  }

  /**
   * Starts the worker thread now rather than at the first busy turn, so that it is ready when load comes (the
   * turns before it has started are signed on the event loop). Does nothing where signing stays on the loop.
   */
  startWorker(): void {
    if (this.#offThread && !this.#worker) this.#usableWorker();
  }

  /** Stops the worker thread; signatures asked for afterwards are made on the event loop. */
  async close(): Promise<void> {
    this.#offThread = false;
    const worker = this.#worker;
    this.#worker = undefined;
    await worker?.close();
  }

  readonly #signAll = (): void => {
    const jobs = this.#jobs;
    this.#jobs = [];
    const worker = jobs.length >= OFF_THREAD_FROM ? this.#usableWorker() : undefined;
    if (!worker) {
      signHere(jobs);
      return;
    }
    const offThread = jobs.filter((job) => workerCanSignFor(job.signer));
    signHere(jobs.filter((job) => !workerCanSignFor(job.signer)));
    worker.sign(offThread).then(
      (signatures) => {
        this.#signedOffThread += signatures.length;
        offThread.forEach((job, i) => job.resolve(signatures[i] as Uint8Array));
      },
      (error: Error) => {
        this.#workerFailed(worker, error);
        signHere(offThread);
      },
    );
  };

  /**
   * The worker once it is ready. Unless startWorker() ran, the first busy turn starts it and is signed here, as
   * are the turns until the worker says it has started, so that no request waits for a thread to boot.
   */
  #usableWorker(): SigningWorker | undefined {
    if (!this.#offThread) return undefined;
    if (!this.#worker) {
      this.#worker = SigningWorker.start();
      if (!this.#worker) this.#workerFailed(undefined, new Error('no worker thread could be started'));
      return undefined;
    }
    const { failure } = this.#worker;
    if (failure) this.#workerFailed(this.#worker, failure);
    return this.#worker?.library ? this.#worker : undefined;
  }

  #workerFailed(worker: SigningWorker | undefined, error: Error): void {
    if (!this.#offThread || worker !== this.#worker) return;
    this.#offThread = false;
    this.#worker = undefined;
    this.#onWorkerFailure?.(error);
  }
}

function signHere(jobs: readonly PendingSignature[]): void {
  for (const job of jobs) {
    try {
      job.resolve(job.signer.sign(job.message));
    } catch (error) {
      job.reject(error);
    }
  }
}
