// Entry point. Activation registers the commands and starts the real work off the activation path:
// everything heavy (the daemon connection, schemas, views) is in ./signet, imported lazily, so that the
// editor's startup never waits on Signet. The time activation took is measured and logged.
import * as vscode from 'vscode';
import { COMMAND_IDS } from './commandIds';
import { createLog, type Log } from './log';
import type { Signet, SignetState } from './signet';

/** The extension's exports: read-only state for other extensions and for the tests. */
export interface SignetApi {
  /** Milliseconds `activate` took. */
  readonly activationMs: number;
  /** Resolves once the lazily loaded part has started. */
  ready(): Promise<void>;
  state(): SignetState | undefined;
  /** Resolves with the daemon's pid and port once connected. */
  whenConnected(timeoutMs?: number): Promise<{ pid: number; port: number }>;
}

let signet: Promise<Signet> | undefined;

export function activate(context: vscode.ExtensionContext): SignetApi {
  const started = performance.now();
  const log: Log = createLog();
  context.subscriptions.push(log);

  let loaded: Signet | undefined;
  const load = (): Promise<Signet> =>
    (signet ??= import('./signet').then((m) => {
      const t = performance.now();
      loaded = m.Signet.start(context, log);
      log.info(`Signet started in ${(performance.now() - t).toFixed(1)} ms after activation`);
      return loaded;
    }));

  for (const id of COMMAND_IDS) {
    context.subscriptions.push(
      vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        const s = await load();
        try {
          return await s.commands()[id](...args);
        } catch (error) {
          // A command boundary: the person sees what failed, the log keeps the details.
          log.error(`${id} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
          void vscode.window.showErrorMessage(`Signet: ${error instanceof Error ? error.message : String(error)}`, 'Show Log').then((a) => {
            if (a) log.show();
          });
          return undefined;
        }
      }),
    );
  }
  // Start connecting right after activation returns, not inside it.
  setTimeout(() => void load().catch((error: unknown) => log.error(`Signet failed to start: ${(error as Error).stack ?? String(error)}`)), 0);

  const activationMs = performance.now() - started;
  log.info(`activated in ${activationMs.toFixed(1)} ms (${vscode.env.appName} ${vscode.version}, ${vscode.env.uiKind === vscode.UIKind.Web ? 'web' : 'desktop'})`);
  return {
    activationMs,
    ready: async () => {
      await load();
    },
    state: () => loaded?.state(),
    whenConnected: async (timeoutMs = 30_000) => {
      const s = await load();
      await s.connection.whenConnected(timeoutMs);
      const state = s.state();
      return { pid: state.pid ?? -1, port: state.port ?? -1 };
    },
  };
}

export function deactivate(): void {
  // Subscriptions are disposed by the editor; the daemon keeps running for other windows and the CLI.
  signet = undefined;
}
