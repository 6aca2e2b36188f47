// Test support for the keychain: is a real Secret Service here, private throw-away ones for failure
// modes (no keyring, a locked one, a hung one), and a child process that drives a KeychainStore against
// one of them. A child is needed because libdbus reads the session bus address once per process.
//
// The whole test run normally sits inside test/support/withSecretService.sh, which provides the
// unlocked keyring that `secretServiceAvailable()` finds.
import { execFile, spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(import.meta.url);
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** True when SIGNET_REQUIRE_KEYCHAIN=1 (CI): tests that need the real thing must fail, not skip. */
export function keychainRequired(): boolean {
  return process.env.SIGNET_REQUIRE_KEYCHAIN === '1';
}

let available: boolean | undefined;

/**
 * A session bus is set and a real Secret Service on it answers a read. The check runs in a child with a
 * time limit, because a wedged bus would otherwise block this process for good.
 */
export function secretServiceAvailable(): boolean {
  if (available !== undefined) return available;
  if (!process.env.DBUS_SESSION_BUS_ADDRESS) return (available = false);
  const keyring = createRequire(import.meta.url).resolve('@napi-rs/keyring');
  const script = `const { Entry } = require(${JSON.stringify(keyring)});
new Entry('signet-test-availability', 'probe', { linux: { store: 'secret-service' } }).getPassword();`;
  const result = spawnSync(process.execPath, ['-e', script], { timeout: 10_000, stdio: 'ignore' });
  return (available = result.status === 0);
}

const TOOLS = ['dbus-daemon', 'dbus-send', 'gnome-keyring-daemon'] as const;

/** The programs `startPrivateSecretService` needs. */
export function missingKeyringTools(): string[] {
  return TOOLS.filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status !== 0);
}

/**
 * `skip` option for a test that needs `ok`. Skips loudly when it is missing, except under
 * SIGNET_REQUIRE_KEYCHAIN=1, where the test runs and fails on the missing piece.
 */
export function skipUnless(ok: boolean, reason: string): string | false {
  if (ok || keychainRequired()) return false;
  process.stderr.write(`\n*** SKIPPED keychain test: ${reason} (set SIGNET_REQUIRE_KEYCHAIN=1 to make this a failure) ***\n\n`);
  return `${reason}; run under test/support/withSecretService.sh (SIGNET_REQUIRE_KEYCHAIN=1 turns this skip into a failure)`;
}

export function uniqueServiceName(label: string): string {
  return `signet-test-${label}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}

// ——— Private Secret Services for failure modes ———

export interface PrivateSecretService {
  /** An environment whose DBUS_SESSION_BUS_ADDRESS points at the private bus. */
  env: NodeJS.ProcessEnv;
  busPid: number;
  keyringPid: number | undefined;
  /** Locks the default ("login") collection through the Secret Service API. */
  lockDefaultCollection(): Promise<void>;
  /** Stops (SIGSTOP) the keyring daemon, so it keeps the bus name but never answers. */
  freezeKeyring(): void;
  /** Stops (SIGSTOP) the bus daemon, so connections are accepted but nothing is answered. */
  freezeBus(): void;
  /** Kills everything it started (stopped processes included) and removes its folder. */
  stop(): void;
}

export type PrivateKeyring =
  /** A bus with no Secret Service on it and nothing that could be activated. */
  | 'none'
  /** gnome-keyring with a login keyring created and unlocked with a password. */
  | 'unlocked'
  /** gnome-keyring that was never given a password: it has no default keyring at all. */
  | 'uninitialised';

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export async function startPrivateSecretService(keyring: PrivateKeyring): Promise<PrivateSecretService> {
  const missing = missingKeyringTools();
  if (missing.length > 0) {
    throw new Error(`cannot start a private Secret Service: ${missing.join(', ')} not installed (apt-get install dbus gnome-keyring)`);
  }
  const root = mkdtempSync(join(tmpdir(), 'signet-private-bus-'));
  for (const dir of ['bus', 'home', 'data', 'config', 'cache', 'runtime', 'control']) mkdirSync(join(root, dir), { mode: 0o700 });
  writeFileSync(join(root, 'bus.conf'), readFileSync(new URL('./privateSessionBus.conf', import.meta.url), 'utf8').replaceAll('@BUS_DIR@', join(root, 'bus')));
  const children: ChildProcess[] = [];
  const stop = () => {
    for (const child of children) {
      child.kill('SIGKILL');
      running.delete(child);
    }
    rmSync(root, { recursive: true, force: true });
  };
  try {
    const bus = track(spawn('dbus-daemon', [`--config-file=${join(root, 'bus.conf')}`, '--nofork', '--print-address=1'], { stdio: ['ignore', 'pipe', 'ignore'] }), children);
    const address = await firstLine(bus, 'dbus-daemon');
    const env: NodeJS.ProcessEnv = { ...process.env, DBUS_SESSION_BUS_ADDRESS: address };
    delete env.GNOME_KEYRING_CONTROL;

    let keyringProcess: ChildProcess | undefined;
    if (keyring !== 'none') {
      const args = ['--foreground', '--components=secrets', `--control-directory=${join(root, 'control')}`];
      if (keyring === 'unlocked') args.push('--unlock');
      keyringProcess = track(
        spawn('gnome-keyring-daemon', args, {
          // The keyring's files go to this folder, never to the user's real keyring.
          env: {
            PATH: process.env.PATH,
            DBUS_SESSION_BUS_ADDRESS: address,
            HOME: join(root, 'home'),
            XDG_DATA_HOME: join(root, 'data'),
            XDG_CONFIG_HOME: join(root, 'config'),
            XDG_CACHE_HOME: join(root, 'cache'),
            XDG_RUNTIME_DIR: join(root, 'runtime'),
          },
          stdio: ['pipe', 'ignore', 'ignore'],
        }),
        children,
      );
      keyringProcess.stdin?.end(keyring === 'unlocked' ? 'private-test-password' : '');
      await waitForSecretServiceName(env);
    }

    return {
      env,
      busPid: pidOf(bus),
      keyringPid: keyringProcess ? pidOf(keyringProcess) : undefined,
      async lockDefaultCollection() {
        const output = await run('dbus-send', ['--session', '--print-reply', '--dest=org.freedesktop.secrets', '/org/freedesktop/secrets', 'org.freedesktop.Secret.Service.Lock', 'array:objpath:/org/freedesktop/secrets/collection/login'], env);
        if (!output.includes('/org/freedesktop/secrets/collection/login')) throw new Error(`the keyring did not report the login collection as locked:\n${output}`);
      },
      freezeKeyring() {
        if (!keyringProcess) throw new Error('this private bus has no keyring to freeze');
        keyringProcess.kill('SIGSTOP');
      },
      freezeBus() {
        bus.kill('SIGSTOP');
      },
      stop,
    };
  } catch (error) {
    stop();
    throw error;
  }
}

function track(child: ChildProcess, children: ChildProcess[]): ChildProcess {
  children.push(child);
  running.add(child);
  return child;
}

function pidOf(child: ChildProcess): number {
  if (child.pid === undefined) throw new Error('a helper process did not start');
  return child.pid;
}

function firstLine(child: ChildProcess, name: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`${name} printed no address within 10 s`)), 10_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const end = text.indexOf('\n');
      if (end >= 0) {
        clearTimeout(timer);
        resolve(text.slice(0, end).trim());
      }
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code}) before printing its address`));
    });
  });
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { env, timeout: 10_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} failed: ${stderr || error.message}`, { cause: error }));
      else resolve(stdout);
    });
  });
}

async function waitForSecretServiceName(env: NodeJS.ProcessEnv): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const reply = await run('dbus-send', ['--session', '--print-reply', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus.NameHasOwner', 'string:org.freedesktop.secrets'], env).catch(() => '');
    if (reply.includes('boolean true')) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('gnome-keyring-daemon did not claim org.freedesktop.secrets within 10 s');
}

// ——— Driving a KeychainStore in a child process ———

export type KeychainStep =
  | { op: 'get'; account: string }
  | { op: 'set'; account: string; secret: Uint8Array }
  | { op: 'delete'; account: string }
  | { op: 'probe' }
  /** Sends a signal to another process between two calls (to freeze or kill the keyring mid-run). */
  | { op: 'signal'; pid: number; signal: NodeJS.Signals };

export type KeychainStepResult =
  | { op: string; ok: true; value: string | null | boolean | undefined }
  | { op: string; ok: false; name: string; code: string | undefined; message: string; fix: string | undefined; keystoreError: boolean };

interface ChildRequest {
  service: string;
  timeoutMs: number;
  steps: Array<Exclude<KeychainStep, { op: 'set' }> | { op: 'set'; account: string; secret: string }>;
}

/**
 * Runs `steps` against a fresh KeychainStore in a child process with `env`, and returns what each step
 * resolved (secrets as base64) or rejected with. The child is killed if it outlives `limitMs`.
 */
export function runKeychainSteps(
  env: NodeJS.ProcessEnv,
  options: { service: string; timeoutMs: number; limitMs?: number },
  steps: KeychainStep[],
): Promise<KeychainStepResult[]> {
  const request: ChildRequest = {
    service: options.service,
    timeoutMs: options.timeoutMs,
    steps: steps.map((step) => (step.op === 'set' ? { ...step, secret: Buffer.from(step.secret).toString('base64') } : step)),
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', here], {
      cwd: repoRoot,
      env: { ...env, SIGNET_KEYCHAIN_CHILD: JSON.stringify(request) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const limit = setTimeout(() => child.kill('SIGKILL'), options.limitMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(limit);
      const results = stdout
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as KeychainStepResult);
      if (code !== 0 || results.length !== steps.length) {
        reject(new Error(`the keychain child ended with ${signal ?? `code ${code}`} after ${results.length} of ${steps.length} steps\n${stdout}\n${stderr}`));
      } else {
        resolve(results);
      }
    });
  });
}

async function keychainChildMain(request: ChildRequest): Promise<void> {
  const { KeychainStore } = await import('../../daemon/src/keys/keychainStore');
  const { KeystoreError } = await import('../../daemon/src/keys/keystoreError');
  const store = new KeychainStore({ service: request.service, timeoutMs: request.timeoutMs });
  for (const step of request.steps) {
    let result: KeychainStepResult;
    try {
      let value: string | null | boolean | undefined;
      if (step.op === 'get') {
        const secret = await store.get(step.account);
        value = secret === null ? null : Buffer.from(secret).toString('base64');
      } else if (step.op === 'set') {
        await store.set(step.account, Buffer.from(step.secret, 'base64'));
      } else if (step.op === 'delete') {
        value = await store.delete(step.account);
      } else if (step.op === 'probe') {
        await store.probe();
      } else {
        process.kill(step.pid, step.signal);
      }
      result = { op: step.op, ok: true, value };
    } catch (error) {
      const e = error as Error & { code?: unknown; fix?: unknown };
      result = {
        op: step.op,
        ok: false,
        name: e.name,
        code: typeof e.code === 'string' ? e.code : undefined,
        message: e.message,
        fix: typeof e.fix === 'string' ? e.fix : undefined,
        keystoreError: error instanceof KeystoreError,
      };
    }
    process.stdout.write(`${JSON.stringify(result)}\n`);
  }
}

if (process.env.SIGNET_KEYCHAIN_CHILD !== undefined && process.argv[1] === here) {
  keychainChildMain(JSON.parse(process.env.SIGNET_KEYCHAIN_CHILD) as ChildRequest).then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`${String((error as Error)?.stack ?? error)}\n`);
      process.exit(1);
    },
  );
}
