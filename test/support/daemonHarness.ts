// Starts a real daemon in a fresh temporary home for a test, with an in-memory secret store unless the
// test asks for another, and tears everything down afterwards.
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DaemonClient } from '../../daemon/src/client/daemonClient';
import { startDaemon, type DaemonOptions, type RunningDaemon } from '../../daemon/src/daemon';
import { MemoryStore } from '../../daemon/src/keys/memoryStore';
import { silentLogger } from '../../daemon/src/logger';
import type { NotificationName, Notifications } from '../../daemon/src/server/protocol';

export interface Harness {
  home: string;
  workspace: string;
  daemon: RunningDaemon;
  ui: DaemonClient;
  agent: DaemonClient;
  /** Stops the daemon and starts it again on the same home and store. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export function tempDir(prefix: string): string {
  return realpathSync(mkdtempSync(join(tmpdir(), prefix)));
}

export async function startHarness(options: Partial<DaemonOptions> = {}): Promise<Harness> {
  const home = options.home ?? tempDir('signet-home-');
  const workspace = options.workspace ?? tempDir('signet-ws-');
  const store = options.secretStore ?? new MemoryStore();
  const start = () => startDaemon({ log: silentLogger, listen: false, ...options, home, workspace, secretStore: store });
  const harness: Harness = {
    home,
    workspace,
    daemon: await start(),
    ui: undefined as unknown as DaemonClient,
    agent: undefined as unknown as DaemonClient,
    async restart() {
      harness.ui.close();
      harness.agent.close();
      await harness.daemon.stop('test restart');
      harness.daemon = await start();
      harness.ui = harness.daemon.connectInMemory('ui');
      harness.agent = harness.daemon.connectInMemory('agent');
    },
    async close() {
      harness.ui.close();
      harness.agent.close();
      await harness.daemon.stop('test finished');
      rmSync(home, { recursive: true, force: true });
      rmSync(workspace, { recursive: true, force: true });
    },
  };
  harness.ui = harness.daemon.connectInMemory('ui');
  harness.agent = harness.daemon.connectInMemory('agent');
  return harness;
}

/** Runs `work` against a fresh daemon and always tears it down. */
export async function withHarness<T>(options: Partial<DaemonOptions>, work: (h: Harness) => Promise<T>): Promise<T> {
  const h = await startHarness(options);
  try {
    return await work(h);
  } finally {
    await h.close();
  }
}

/** Resolves with the next notification of that name. */
export function nextNotification<N extends NotificationName>(client: DaemonClient, name: N): Promise<Notifications[N]> {
  return new Promise((resolve) => {
    const off = client.onNotification(name, (params) => {
      off();
      resolve(params);
    });
  });
}
