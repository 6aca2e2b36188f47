// Leaf hashing on a second thread, for reading whole logs (verification). Half of a verification's
// time is SHA-256 over record lines, which is independent per line, so a worker hashes the leaves of
// one chunk while the main thread folds the previous chunk into the tree. The worker's code is a
// string of plain JavaScript with no imports of ours, so it runs the same from sources, under tsx, or
// bundled by esbuild. Where no worker can be started, the hashing happens on the calling thread.
import { Worker } from 'node:worker_threads';
import { hashLeaf } from './merkle';

export interface HashedChunk {
  data: Buffer;
  starts: Int32Array;
  ends: Int32Array;
  /** 32 bytes per line: SHA-256(0x00 ‖ line). */
  hashes: Buffer;
}

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { hash } = require('node:crypto');
let scratch = Buffer.alloc(64 * 1024);
parentPort.on('message', (job) => {
  const data = Buffer.from(job.data.buffer, job.data.byteOffset, job.data.byteLength);
  const { starts, ends } = job;
  const hashes = Buffer.alloc(starts.length * 32);
  for (let i = 0; i < starts.length; i++) {
    const length = ends[i] - starts[i];
    if (length + 1 > scratch.length) scratch = Buffer.alloc(length + 1 + 64 * 1024);
    scratch[0] = 0;
    data.copy(scratch, 1, starts[i], ends[i]);
    hash('sha256', scratch.subarray(0, length + 1), 'buffer').copy(hashes, i * 32);
  }
  parentPort.postMessage({ id: job.id, data: job.data, starts, ends, hashes }, [job.data.buffer, starts.buffer, ends.buffer, hashes.buffer]);
});
`;

interface Reply {
  id: number;
  data: Uint8Array;
  starts: Int32Array;
  ends: Int32Array;
  hashes: Uint8Array;
}

export class LeafHasher {
  #worker: Worker | null;
  #nextId = 0;
  #pending = new Map<number, { resolve: (chunk: HashedChunk) => void; reject: (error: Error) => void }>();
  #failed: Error | null = null;

  private constructor(worker: Worker | null) {
    this.#worker = worker;
    worker?.on('message', (reply: Reply) => {
      const waiter = this.#pending.get(reply.id);
      this.#pending.delete(reply.id);
      waiter?.resolve({
        data: Buffer.from(reply.data.buffer as ArrayBuffer, reply.data.byteOffset, reply.data.byteLength),
        starts: reply.starts,
        ends: reply.ends,
        hashes: Buffer.from(reply.hashes.buffer, reply.hashes.byteOffset, reply.hashes.byteLength),
      });
    });
    worker?.on('error', (error) => this.#fail(new Error('the leaf hashing thread failed', { cause: error })));
    worker?.on('exit', (code) => {
      if (this.#pending.size > 0) this.#fail(new Error(`the leaf hashing thread exited (code ${code}) with work pending`));
    });
  }

  /** `parallel: false` hashes on the calling thread (for comparison, or where threads are scarce). */
  static create(parallel = true): LeafHasher {
    if (!parallel) return new LeafHasher(null);
    try {
      return new LeafHasher(new Worker(WORKER_SOURCE, { eval: true, execArgv: [] }));
    } catch {
      return new LeafHasher(null);
    }
  }

  #fail(error: Error): void {
    this.#failed = error;
    for (const waiter of this.#pending.values()) waiter.reject(error);
    this.#pending.clear();
  }

  /**
   * Hashes the lines `data[starts[i], ends[i])`. `data` must be a buffer of its own (not a pooled
   * slice): it is moved to the worker and back, and the caller gets it back in the result.
   */
  hash(data: Buffer, starts: Int32Array, ends: Int32Array): Promise<HashedChunk> {
    if (this.#failed) return Promise.reject(this.#failed);
    if (!this.#worker) {
      const hashes = Buffer.alloc(starts.length * 32);
      for (let i = 0; i < starts.length; i++) hashes.set(hashLeaf(data.subarray(starts[i], ends[i])), i * 32);
      return Promise.resolve({ data, starts, ends, hashes });
    }
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      (this.#worker as Worker).postMessage({ id, data, starts, ends }, [data.buffer as ArrayBuffer, starts.buffer as ArrayBuffer, ends.buffer as ArrayBuffer]);
    });
  }

  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = null;
    await worker?.terminate();
  }
}
