// Everything Signet keeps on disk lives in one folder, the Signet home: `--home DIR`, else
// `$SIGNET_HOME`, else `~/.signet`. This module names those files and reads and writes the small ones.
import { closeSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import type { DaemonRuntimeFile } from '../server/protocol';
import { writeFileAtomic } from './atomicFile';

export function resolveHome(explicit?: string): string {
  return resolve(explicit ?? process.env.SIGNET_HOME ?? join(homedir(), '.signet'));
}

export function homePaths(home: string) {
  return {
    home,
    config: join(home, 'config.json'),
    runtime: join(home, 'daemon.json'),
    lock: join(home, 'daemon.lock'),
    identities: join(home, 'identities.json'),
    delegations: join(home, 'delegations.json'),
    auditDir: join(home, 'audit'),
    keysDir: join(home, 'keys'),
    daemonLog: join(home, 'daemon.log'),
  };
}

export function ensureHome(home: string): void {
  mkdirSync(home, { recursive: true, mode: 0o700 });
}

export const SignetConfig = z.strictObject({
  /** Where private keys live. `file` is an explicit opt-in for machines without a keychain. */
  keystore: z.enum(['keychain', 'file']).default('keychain'),
  /** How long a pending approval waits before it is denied. */
  approvalTimeoutSeconds: z.number().int().min(1).max(86_400).default(120),
  /** An OPA server every authorize also asks (see daemon/src/policy/opaPolicy.ts); unreachable or slow means deny. */
  opa: z
    .strictObject({
      url: z.url({ protocol: /^https?$/ }),
      /** The document to ask for, without /v1/data/. */
      path: z.string().regex(/^[A-Za-z0-9_/-]+$/).optional(),
      timeoutMs: z.number().int().min(50).max(30_000).optional(),
    })
    .optional(),
});
export type SignetConfig = z.infer<typeof SignetConfig>;

export async function loadConfig(home: string): Promise<SignetConfig> {
  let text: string;
  try {
    text = await readFile(homePaths(home).config, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return SignetConfig.parse({});
    throw error;
  }
  const parsed = SignetConfig.safeParse(safeJson(text));
  if (!parsed.success) {
    throw new Error(`${homePaths(home).config} is not a valid Signet config: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}

export async function saveConfig(home: string, config: SignetConfig): Promise<void> {
  await writeFileAtomic(homePaths(home).config, `${JSON.stringify(config, null, 2)}\n`, 0o600);
}

export async function writeRuntimeFile(home: string, runtime: DaemonRuntimeFile): Promise<void> {
  await writeFileAtomic(homePaths(home).runtime, `${JSON.stringify(runtime, null, 2)}\n`, 0o600);
}

const RuntimeFileSchema = z.object({
  port: z.number().int().min(1).max(65535),
  pid: z.number().int().positive(),
  agentToken: z.string().min(16),
  version: z.string(),
  startedAt: z.string(),
});

/** The running daemon's port and agent token, or undefined when none is running (or the file is stale). */
export async function readRuntimeFile(home: string): Promise<DaemonRuntimeFile | undefined> {
  let text: string;
  try {
    text = await readFile(homePaths(home).runtime, 'utf8');
  } catch {
    return undefined;
  }
  const parsed = RuntimeFileSchema.safeParse(safeJson(text));
  if (!parsed.success || !processIsAlive(parsed.data.pid)) return undefined;
  return parsed.data;
}

export function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface PidLock {
  release(): void;
}

/**
 * An exclusively created file holding our pid: the lock is ours, or it is held by the live process
 * returned as `holder`. A lock whose process no longer runs (or, with `staleAfterMs`, one older than
 * that) is taken over.
 */
export function takePidLock(path: string, options: { staleAfterMs?: number } = {}): { lock: PidLock } | { holder: number } {
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return {
        lock: {
          release() {
            try {
              if (readFileSync(path, 'utf8').trim() === String(process.pid)) unlinkSync(path);
            } catch {
              /* already gone */
            }
          },
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number.parseInt(readFileSafe(path), 10);
      const live = Number.isInteger(holder) && holder > 0 && holder !== process.pid && processIsAlive(holder);
      const tooOld = options.staleAfterMs !== undefined && Date.now() - mtimeMs(path) > options.staleAfterMs;
      if ((live && !tooOld) || attempt >= 1) return { holder: live ? holder : 0 };
      try {
        unlinkSync(path);
      } catch {
        /* raced with another starter; the next attempt decides */
      }
    }
  }
}

/** Takes the one-daemon-per-home lock, or fails naming the daemon that holds it. */
export function acquireDaemonLock(home: string): PidLock {
  const taken = takePidLock(homePaths(home).lock);
  if ('holder' in taken) {
    if (taken.holder > 0) throw new DaemonAlreadyRunningError(home, taken.holder);
    throw new Error(`could not take the daemon lock ${homePaths(home).lock}`);
  }
  return taken.lock;
}

function mtimeMs(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

export class DaemonAlreadyRunningError extends Error {
  constructor(
    readonly home: string,
    readonly pid: number,
  ) {
    super(`a Signet daemon (pid ${pid}) is already running for ${home}; stop it first or use another --home`);
    this.name = 'DaemonAlreadyRunningError';
  }
}

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
