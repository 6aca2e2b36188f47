// The MCP transport toward a real stdio server: it spawns the server and frames JSON-RPC as newline-delimited
// lines. The SDK's StdioClientTransport would do the framing too, but it hides the child's exit status and
// passes only a handful of environment variables on; the proxy must exit with its child's code and must hand
// the server exactly the environment the MCP client gave the proxy (API keys live there), so it owns the
// process. For the relay it also works in whole lines of bytes (see lineFraming.ts); used as a plain Transport
// (by tests, and as a client of a proxy process) it decodes each line into a message.
import { spawn, type ChildProcess } from 'node:child_process';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { deliverLines, LineCutter, serializeLine, type LineTransport } from './lineFraming';

export interface ChildServerOptions {
  command: string;
  args: readonly string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/** How the child ended: an exit code, or the signal that killed it. */
export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class ChildProcessTransport implements LineTransport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  onlines?: (lines: Buffer) => void;

  private child: ChildProcess | undefined;
  private readonly cutter = new LineCutter(
    (lines) => this.received(lines),
    (error) => this.onerror?.(new Error(`the MCP server wrote too much without a line break: ${error.message}`, { cause: error })),
  );
  private exitInfo: ChildExit | undefined;
  private readonly exitWaiters: ((exit: ChildExit) => void)[] = [];

  constructor(private readonly options: ChildServerOptions) {}

  /** Spawns the server; resolves once it runs, rejects when it cannot be started (not found, not executable). */
  start(): Promise<void> {
    if (this.child) throw new Error('ChildProcessTransport already started');
    return new Promise((resolve, reject) => {
      const child = spawn(this.options.command, [...this.options.args], {
        cwd: this.options.cwd,
        env: this.options.env ?? process.env,
        // The server's stderr goes straight to ours: MCP clients show it as the server's log.
        stdio: ['pipe', 'pipe', 'inherit'],
        windowsHide: true,
      });
      this.child = child;
      let spawned = false;
      child.once('spawn', () => {
        spawned = true;
        resolve();
      });
      child.once('error', (error) => {
        if (!spawned) {
          reject(new Error(`could not start the MCP server "${this.options.command}": ${error.message}`, { cause: error }));
          this.finish({ code: 127, signal: null });
        } else {
          this.onerror?.(error);
        }
      });
      child.once('close', (code, signal) => this.finish({ code, signal }));
      child.stdin?.on('error', (error) => this.onerror?.(error));
      child.stdout?.on('data', (chunk: Buffer) => this.cutter.push(chunk));
    });
  }

  send(message: JSONRPCMessage): Promise<void> {
    return this.sendLines(serializeLine(message));
  }

  sendLines(lines: Buffer | string): Promise<void> {
    const stdin = this.child?.stdin;
    if (!stdin || stdin.destroyed || this.exitInfo) return Promise.reject(new Error('the MCP server is not running'));
    // The stream buffers what the pipe cannot take yet, in order. A relay has nowhere to push back to (the
    // client does not wait for the server's stdin), so waiting for 'drain' per message would only pile up
    // listeners under load without slowing anyone down.
    return new Promise((resolve, reject) => {
      stdin.write(lines, (error) => (error ? reject(error) : resolve()));
    });
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Resolves when the child has exited (at once if it already has). */
  exited(): Promise<ChildExit> {
    if (this.exitInfo) return Promise.resolve(this.exitInfo);
    return new Promise((resolve) => this.exitWaiters.push(resolve));
  }

  /** Sends a signal to the child, as a terminal would; a no-op once it has exited. */
  kill(signal: NodeJS.Signals): void {
    if (this.child && !this.exitInfo) this.child.kill(signal);
  }

  /**
   * Ends the session the way the MCP stdio transport specifies: close the server's stdin, then SIGTERM after a
   * grace period, then SIGKILL. Resolves when the child is gone.
   */
  async close(graceMs = 2000): Promise<void> {
    const child = this.child;
    if (!child || this.exitInfo) return;
    child.stdin?.end();
    const exited = this.exited();
    const waitFor = (ms: number) => Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms).unref())]);
    if (await waitFor(graceMs)) return;
    this.kill('SIGTERM');
    if (await waitFor(graceMs)) return;
    this.kill('SIGKILL');
    await exited;
  }

  private received(lines: Buffer): void {
    deliverLines(this, lines, 'the MCP server');
  }

  private finish(exit: ChildExit): void {
    if (this.exitInfo) return;
    this.exitInfo = exit;
    this.cutter.clear();
    for (const waiter of this.exitWaiters.splice(0)) waiter(exit);
    this.onclose?.();
  }
}
