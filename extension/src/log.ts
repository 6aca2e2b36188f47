// One log for everything the extension does: a LogOutputChannel ("Signet" in the Output view) where the
// editor has it, else a plain output channel with the same methods (forks of older VS Code lack it).
import * as vscode from 'vscode';

export interface Log extends vscode.Disposable {
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string | Error): void;
  show(): void;
}

export function createLog(name = 'Signet'): Log {
  try {
    const channel = vscode.window.createOutputChannel(name, { log: true });
    if (typeof channel.info === 'function') return channel;
  } catch {
    /* an editor without LogOutputChannel: fall through */
  }
  const plain = vscode.window.createOutputChannel(name);
  const line = (level: string, message: string | Error) =>
    plain.appendLine(`${new Date().toISOString()} [${level}] ${message instanceof Error ? (message.stack ?? message.message) : message}`);
  return {
    trace: (m) => line('trace', m),
    debug: (m) => line('debug', m),
    info: (m) => line('info', m),
    warn: (m) => line('warning', m),
    error: (m) => line('error', m),
    show: () => plain.show(true),
    dispose: () => plain.dispose(),
  };
}
