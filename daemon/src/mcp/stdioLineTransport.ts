// The proxy's side toward its MCP client: newline-delimited JSON-RPC over the process's own stdin and stdout,
// as the SDK's StdioServerTransport does, but able to pass whole lines through as bytes (see lineFraming.ts).
import type { Readable, Writable } from 'node:stream';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { deliverLines, LineCutter, serializeLine, type LineTransport } from './lineFraming';

export class StdioLineTransport implements LineTransport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  onlines?: (lines: Buffer) => void;

  private started = false;
  private closed = false;
  private readonly cutter = new LineCutter(
    (lines) => this.received(lines),
    (error) => this.onerror?.(new Error(`the MCP client wrote too much without a line break: ${error.message}`, { cause: error })),
  );
  private readonly onData = (chunk: Buffer) => this.cutter.push(chunk);
  private readonly onReadError = (error: Error) => this.onerror?.(error);
  private readonly onWriteError = (error: Error) => this.onerror?.(new Error(`could not write to the MCP client: ${error.message}`, { cause: error }));

  constructor(
    private readonly input: Readable = process.stdin,
    private readonly output: Writable = process.stdout,
  ) {}

  async start(): Promise<void> {
    if (this.started) throw new Error('StdioLineTransport already started');
    this.started = true;
    this.input.on('data', this.onData);
    this.input.on('error', this.onReadError);
    // A client that went away makes writes fail (EPIPE); that is reported, never a crash of the proxy.
    this.output.on('error', this.onWriteError);
  }

  send(message: JSONRPCMessage): Promise<void> {
    return this.sendLines(serializeLine(message));
  }

  sendLines(lines: Buffer | string): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the connection to the MCP client is closed'));
    // No wait for 'drain': stdout on a pipe is written synchronously on Linux and macOS, and elsewhere the
    // stream keeps what the pipe cannot take yet, in order (see ChildProcessTransport.sendLines).
    return new Promise((resolve, reject) => {
      this.output.write(lines, (error) => (error ? reject(error) : resolve()));
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.input.off('data', this.onData);
    this.input.off('error', this.onReadError);
    // Stdin is only paused when nothing else listens, so that the process can end.
    if (this.input.listenerCount('data') === 0) this.input.pause();
    this.cutter.clear();
    this.onclose?.();
  }

  private received(lines: Buffer): void {
    deliverLines(this, lines, 'the MCP client');
  }
}
