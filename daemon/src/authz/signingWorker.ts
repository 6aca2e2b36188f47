// Signatures on a second thread, for the event-loop turns that have many of them (signingTurn.ts).
//
// Under load the daemon's event loop is what limits how many calls it answers, and a signature is about a
// quarter of an authorize's work on it. A worker thread makes a busy turn's signatures on another core while the
// loop goes on reading, checking and auditing the next requests. Keys stay inside the daemon's process: the
// worker is sent an agent's 32-byte seed once, derives the key into libsodium's guarded memory (or a node:crypto
// KeyObject where the binding is missing), refuses it unless it yields the signer's public key, and wipes it
// when the main thread's signer is collected. Ed25519 is deterministic, so a signature made here is the same 64
// bytes the main thread would have made.
//
// The worker's code is a string of plain JavaScript with no imports of ours (as in leafHasher.ts), so it runs
// the same from sources, under tsx, or bundled; it loads sodium-native from the path the main thread loaded it
// from, which is what makes it work wherever the extension is installed.
import { Worker } from 'node:worker_threads';
import { Ed25519Signer, pkcs8Prefix, spkiPrefix } from '../ucan/ed25519';
import { libsodiumModulePath, type Ed25519Library } from '../ucan/libsodium';

/**
 * What the main thread sends: a key once per signer, a key to wipe, or a batch to sign. A batch is one transferred
 * buffer: `count` key ids, then `count` end offsets (Int32, native order), then the messages back to back.
 */
type ToWorker =
  | { kind: 'key'; id: number; seed: Uint8Array; publicKey: Uint8Array }
  | { kind: 'forget'; id: number }
  | { kind: 'sign'; batch: number; count: number; data: ArrayBuffer };

/** What the worker says: which library it signs with, once started; then, per batch, 64 bytes a message or why not. */
type FromWorker = { ready: Ed25519Library } | { batch: number; signatures: Uint8Array } | { batch: number; error: string };

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const crypto = require('node:crypto');
let sodium = null;
if (workerData.sodiumPath) {
  try { sodium = require(workerData.sodiumPath); } catch { sodium = null; }
}
parentPort.postMessage({ ready: sodium ? 'libsodium' : 'node:crypto' });
const pkcs8Prefix = Buffer.from(workerData.pkcs8Prefix);
const spkiPrefix = Buffer.from(workerData.spkiPrefix);
// id -> { sign(message, out), wipe() } or the reason the key was refused
const keys = new Map();

function keyFor(seed, publicKey) {
  if (sodium) {
    const derived = Buffer.alloc(32);
    const secretKey = sodium.sodium_malloc(64);
    sodium.crypto_sign_seed_keypair(derived, secretKey, seed);
    if (!derived.equals(publicKey)) throw new Error('libsodium derived another public key from the seed');
    return {
      sign: (message, out) => sodium.crypto_sign_detached(out, message, secretKey),
      wipe: () => sodium.sodium_memzero(secretKey),
    };
  }
  const der = Buffer.concat([pkcs8Prefix, seed]);
  let privateKey;
  try { privateKey = crypto.createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }); } finally { der.fill(0); }
  const spki = crypto.createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  if (!spki.subarray(spkiPrefix.length).equals(publicKey)) throw new Error('node:crypto derived another public key from the seed');
  return { sign: (message, out) => out.set(crypto.sign(null, message, privateKey)), wipe: () => {} };
}

parentPort.on('message', (m) => {
  if (m.kind === 'key') {
    const seed = Buffer.from(m.seed.buffer, m.seed.byteOffset, m.seed.byteLength);
    try { keys.set(m.id, keyFor(seed, Buffer.from(m.publicKey))); }
    catch (error) { keys.set(m.id, 'the signing thread refused a key: ' + error.message); }
    finally { seed.fill(0); }
  } else if (m.kind === 'forget') {
    const key = keys.get(m.id);
    if (key && typeof key === 'object') key.wipe();
    keys.delete(m.id);
  } else if (m.kind === 'sign') {
    try {
      const ids = new Int32Array(m.data, 0, m.count);
      const ends = new Int32Array(m.data, 4 * m.count, m.count);
      const messages = new Uint8Array(m.data, 8 * m.count);
      const signatures = new Uint8Array(m.count * 64);
      let start = 0;
      for (let i = 0; i < m.count; i++) {
        const key = keys.get(ids[i]);
        if (typeof key !== 'object') throw new Error(key || 'the signing thread holds no key ' + ids[i]);
        key.sign(messages.subarray(start, ends[i]), signatures.subarray(i * 64, i * 64 + 64));
        start = ends[i];
      }
      parentPort.postMessage({ batch: m.batch, signatures }, [signatures.buffer]);
    } catch (error) {
      parentPort.postMessage({ batch: m.batch, error: error.message });
    }
  }
});
`;

export interface SignJob {
  signer: Ed25519Signer;
  message: Uint8Array;
}

export class SigningWorker {
  readonly #worker: Worker;
  #nextKeyId = 1;
  #nextBatch = 0;
  readonly #keyIds = new WeakMap<Ed25519Signer, number>();
  /** When a signer is collected (an agent was removed), its key is wiped in the worker too. */
  readonly #forget = new FinalizationRegistry<number>((id) => this.#post({ kind: 'forget', id }));
  readonly #pending = new Map<number, { resolve: (signatures: Uint8Array[]) => void; reject: (error: Error) => void }>();
  #failure: Error | undefined;
  #library: Ed25519Library | undefined;

  private constructor(worker: Worker) {
    this.#worker = worker;
    worker.on('message', (reply: FromWorker) => {
      if ('ready' in reply) {
        this.#library = reply.ready;
        return;
      }
      const waiter = this.#pending.get(reply.batch);
      if (!waiter) return;
      this.#settle(reply.batch);
      if ('error' in reply) {
        const error = new Error(reply.error);
        this.#fail(error);
        waiter.reject(error);
        return;
      }
      const signatures: Uint8Array[] = [];
      // Each signature gets its own memory, as the main thread's do, not a view into the batch's buffer.
      for (let at = 0; at < reply.signatures.length; at += 64) signatures.push(reply.signatures.slice(at, at + 64));
      waiter.resolve(signatures);
    });
    worker.on('error', (error) => this.#fail(new Error(`the signing thread failed: ${error.message}`, { cause: error })));
    worker.on('exit', (code) => this.#fail(new Error(`the signing thread exited (code ${code})`)));
    // An idle worker never keeps the daemon (or a test) alive; one with a batch out does (see #settle). After the
    // listeners: adding a message listener refs the worker's port again.
    worker.unref();
  }

  /** A worker signing with the library the main thread uses; undefined where no worker thread can start. */
  static start(): SigningWorker | undefined {
    try {
      // No flags of the daemon's own (an --input-type=module would make this CommonJS source unreadable).
      const workerData = { sodiumPath: libsodiumModulePath(), pkcs8Prefix: Uint8Array.from(pkcs8Prefix), spkiPrefix: Uint8Array.from(spkiPrefix) };
      const worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [], workerData });
      return new SigningWorker(worker);
    } catch {
      return undefined;
    }
  }

  /** The library the worker signs with, once it has started; until then it is not given work. */
  get library(): Ed25519Library | undefined {
    return this.#failure ? undefined : this.#library;
  }

  /** Why the worker no longer signs, once it has failed or been closed. */
  get failure(): Error | undefined {
    return this.#failure;
  }

  /**
   * The signatures of `jobs`, in order. Rejects when the worker cannot make them all (it failed, was closed, or
   * refused a key); it then signs nothing more, and the caller signs on its own thread.
   */
  sign(jobs: readonly SignJob[]): Promise<Uint8Array[]> {
    if (this.#failure) return Promise.reject(this.#failure);
    const batch = this.#nextBatch++;
    return new Promise((resolve, reject) => {
      if (this.#pending.size === 0) this.#worker.ref();
      this.#pending.set(batch, { resolve, reject });
      try {
        const data = this.#batchData(jobs);
        this.#post({ kind: 'sign', batch, count: jobs.length, data }, [data]);
      } catch (error) {
        // Nothing here should throw; if something does, the batch is not left waiting for an answer.
        this.#fail(new Error(`a batch could not be handed to the signing thread: ${(error as Error)?.message}`, { cause: error }));
      }
    });
  }

  /** The batch's key ids, message ends and messages in one buffer (see ToWorker). */
  #batchData(jobs: readonly SignJob[]): ArrayBuffer {
    const count = jobs.length;
    let total = 0;
    for (const job of jobs) total += job.message.length;
    const data = new ArrayBuffer(8 * count + total);
    const ids = new Int32Array(data, 0, count);
    const ends = new Int32Array(data, 4 * count, count);
    const messages = new Uint8Array(data, 8 * count);
    for (let i = 0, at = 0; i < count; i++) {
      const job = jobs[i] as SignJob;
      ids[i] = this.#keyIdOf(job.signer);
      messages.set(job.message, at);
      at += job.message.length;
      ends[i] = at;
    }
    return data;
  }

  async close(): Promise<void> {
    this.#fail(new Error('the signing thread was closed'));
    await this.#worker.terminate();
  }

  /** The worker's id for `signer`'s key, sending the key first if the worker does not hold it yet. */
  #keyIdOf(signer: Ed25519Signer): number {
    const known = this.#keyIds.get(signer);
    if (known !== undefined) return known;
    const id = this.#nextKeyId++;
    const seed = signer.exportSeed();
    try {
      // postMessage copies the seed into the worker's message; this thread's copy is wiped at once.
      this.#post({ kind: 'key', id, seed, publicKey: signer.publicKey });
    } finally {
      seed.fill(0);
    }
    this.#keyIds.set(signer, id);
    this.#forget.register(signer, id);
    return id;
  }

  #post(message: ToWorker, transfer: ArrayBuffer[] = []): void {
    if (this.#failure) return;
    this.#worker.postMessage(message, transfer);
  }

  #settle(batch: number): void {
    this.#pending.delete(batch);
    if (this.#pending.size === 0) this.#worker.unref();
  }

  /** From the first failure on, the worker signs nothing more and is stopped, which frees the keys it holds. */
  #fail(error: Error): void {
    this.#failure ??= error;
    for (const waiter of this.#pending.values()) waiter.reject(this.#failure);
    this.#pending.clear();
    this.#worker.unref();
    void this.#worker.terminate().catch(() => undefined);
  }
}

/** Whether `signer` can be signed for by the worker: a real signer, whose seed can be sent. */
export function workerCanSignFor(signer: unknown): signer is Ed25519Signer {
  return signer instanceof Ed25519Signer;
}
