// MCP's stdio framing (one JSON-RPC message per line) kept as bytes, for the relay. A relay that decodes every
// message into objects and encodes it again spends most of its time on messages it never looks at; with
// whole lines as bytes, what passes unchanged is written exactly as it came, in one write per chunk read.
//
// The SDK's ReadBuffer is not used here: it decodes and validates every line (a zod parse) and grows its
// buffer by concatenating each chunk onto what came before, which copies a large message many times over.
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/sdk/types.js';
import { nestedDeeperThan } from '../server/protocol';

/** Large tool results (a file, an image) are legitimate; the SDK's 10 MiB default is too tight for a relay. */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
/** Far beyond any real message (tool arguments are refused by the daemon past 64 levels), far below the stack. */
export const MAX_MESSAGE_DEPTH = 512;

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/**
 * A transport that can also hand over and take whole lines as bytes. Transports that cannot (in-memory pairs,
 * Streamable HTTP) are relayed message by message instead.
 */
export interface LineTransport extends Transport {
  /**
   * When set, what is read is handed over as bytes instead of to `onmessage`: each call gets one or more whole
   * lines exactly as they came, each ending in "\n". Lines are not checked; a line longer than the limit is
   * dropped and reported through `onerror`.
   */
  onlines?: (lines: Buffer) => void;
  /** Writes one or more whole lines, each ending in "\n", as they are. */
  sendLines(lines: Buffer | string): Promise<void>;
}

export function isLineTransport(transport: Transport): transport is LineTransport {
  return typeof (transport as Partial<LineTransport>).sendLines === 'function';
}

/** The line form of a message, as every transport here writes it. */
export function serializeLine(message: JSONRPCMessage): string {
  return `${JSON.stringify(message)}\n`;
}

/**
 * Cuts a byte stream after its last complete line, so that what is handed on is always whole lines; the
 * unfinished rest waits for the next chunk without being copied until its line is complete. A line may not
 * grow beyond `maxLineBytes`: past that, its bytes are dropped up to its end and the overflow is reported.
 */
export class LineCutter {
  private rest: Buffer[] = [];
  private restBytes = 0;
  private discarding = false;

  constructor(
    private readonly onLines: (lines: Buffer) => void,
    private readonly onOverflow: (error: Error) => void,
    private readonly maxLineBytes = MAX_MESSAGE_BYTES,
  ) {}

  push(chunk: Buffer): void {
    const last = chunk.lastIndexOf(NEWLINE);
    if (last === -1) {
      this.keep(chunk);
      return;
    }
    let start = 0;
    let lines: Buffer;
    if (this.discarding || this.restBytes > 0) {
      const first = chunk.indexOf(NEWLINE);
      if (this.discarding || this.restBytes + first > this.maxLineBytes) {
        if (!this.discarding) this.overflow();
        this.discarding = false;
        this.clearRest();
        start = first + 1;
        lines = chunk.subarray(start, last + 1);
      } else {
        lines = Buffer.concat([...this.rest, chunk.subarray(0, last + 1)]);
        this.clearRest();
      }
    } else {
      lines = chunk.subarray(0, last + 1);
    }
    if (lines.length > 0) this.onLines(lines);
    if (last + 1 < chunk.length) this.keep(chunk.subarray(last + 1));
  }

  /** Forgets an unfinished line (the stream ended or was reset). */
  clear(): void {
    this.clearRest();
    this.discarding = false;
  }

  private keep(part: Buffer): void {
    if (this.discarding) return;
    if (this.restBytes + part.length > this.maxLineBytes) {
      this.overflow();
      this.clearRest();
      this.discarding = true;
      return;
    }
    this.rest.push(part);
    this.restBytes += part.length;
  }

  private clearRest(): void {
    this.rest = [];
    this.restBytes = 0;
  }

  private overflow(): void {
    this.onOverflow(new Error(`a message longer than ${this.maxLineBytes} bytes was dropped`));
  }
}

/** Calls `each` with every line of `lines` (whole lines as LineCutter hands them on), without its line ending. */
export function forEachLine(lines: Buffer, each: (line: Buffer) => void): void {
  let start = 0;
  while (start < lines.length) {
    let end = lines.indexOf(NEWLINE, start);
    if (end === -1) end = lines.length;
    const stop = end > start && lines[end - 1] === CARRIAGE_RETURN ? end - 1 : end;
    if (stop > start) each(lines.subarray(start, stop));
    start = end + 1;
  }
}

const REQUEST_KEYS = new Set(['jsonrpc', 'id', 'method', 'params']);
const NOTIFICATION_KEYS = new Set(['jsonrpc', 'method', 'params']);
const RESULT_KEYS = new Set(['jsonrpc', 'id', 'result']);
const ERROR_KEYS = new Set(['jsonrpc', 'id', 'error']);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isRequestId(value: unknown): value is RequestId {
  return typeof value === 'string' || Number.isInteger(value);
}

function onlyKeys(object: Record<string, unknown>, allowed: Set<string>): boolean {
  for (const key in object) if (!allowed.has(key)) return false;
  return true;
}

/**
 * A line that is not a JSON-RPC message. `requestId` is set when the line still reads as a request with a usable
 * id, so that whoever refuses it can answer that request rather than leave its sender waiting for ever.
 */
export class MalformedMessageError extends Error {
  constructor(
    message: string,
    readonly requestId?: RequestId,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'MalformedMessageError';
  }
}

/**
 * Decodes one line into a JSON-RPC message, with the same shape rules as the SDK's message schema (a request,
 * a notification, a result or an error, with no keys beyond those), at a fraction of the cost. Throws a
 * MalformedMessageError that says what is wrong.
 */
export function parseMessageLine(line: Buffer | string): JSONRPCMessage {
  let value: unknown;
  try {
    value = JSON.parse(typeof line === 'string' ? line : line.toString('utf8'));
  } catch (error) {
    throw new MalformedMessageError(`it is not JSON (${(error as Error).message})`, undefined, { cause: error });
  }
  if (!isPlainObject(value)) throw new MalformedMessageError('it is not a JSON object (batches are not part of MCP)');
  const requestId = typeof value.method === 'string' && isRequestId(value.id) ? value.id : undefined;
  const malformed = (message: string) => new MalformedMessageError(message, requestId);
  // Everything the proxy does with a client's message after this (judging it, writing it on) walks it
  // recursively; a line can hold a nesting far past what the stack allows, and no MCP message needs it.
  if (nestedDeeperThan(value, MAX_MESSAGE_DEPTH)) throw malformed(`it nests more than ${MAX_MESSAGE_DEPTH} levels deep`);
  if (value.jsonrpc !== '2.0') throw malformed('its "jsonrpc" is not "2.0"');
  if (Object.hasOwn(value, 'method')) {
    if (typeof value.method !== 'string') throw malformed('its "method" is not a string');
    if (value.params !== undefined && !isPlainObject(value.params)) throw malformed('its "params" is not an object');
    if (Object.hasOwn(value, 'id')) {
      if (!isRequestId(value.id)) throw malformed('its "id" is neither a string nor an integer');
      if (!onlyKeys(value, REQUEST_KEYS)) throw malformed('a request has keys other than jsonrpc, id, method and params');
    } else if (!onlyKeys(value, NOTIFICATION_KEYS)) {
      throw malformed('a notification has keys other than jsonrpc, method and params');
    }
    return value as JSONRPCMessage;
  }
  if (Object.hasOwn(value, 'result')) {
    if (!isRequestId(value.id)) throw malformed('its "id" is neither a string nor an integer');
    if (!isPlainObject(value.result)) throw malformed('its "result" is not an object');
    if (!onlyKeys(value, RESULT_KEYS)) throw malformed('a result has keys other than jsonrpc, id and result');
    return value as JSONRPCMessage;
  }
  if (Object.hasOwn(value, 'error')) {
    if (value.id !== undefined && !isRequestId(value.id)) throw malformed('its "id" is neither a string nor an integer');
    const error = value.error;
    if (!isPlainObject(error) || !Number.isInteger(error.code) || typeof error.message !== 'string') {
      throw malformed('its "error" lacks an integer "code" or a string "message"');
    }
    if (!onlyKeys(value, ERROR_KEYS)) throw malformed('an error has keys other than jsonrpc, id and error');
    return value as JSONRPCMessage;
  }
  throw malformed('it is neither a request, a notification nor a response');
}

/**
 * Hands whole lines read by `transport` on: as bytes when the relay takes them so (`onlines`), else message by
 * message. A line that is not a JSON-RPC message is reported through `onerror`, naming `writer`, and skipped;
 * the stream stays usable.
 */
export function deliverLines(transport: Pick<LineTransport, 'onlines' | 'onmessage' | 'onerror'>, lines: Buffer, writer: string): void {
  if (transport.onlines) {
    transport.onlines(lines);
    return;
  }
  forEachLine(lines, (line) => {
    let message: JSONRPCMessage;
    try {
      message = parseMessageLine(line);
    } catch (error) {
      transport.onerror?.(new Error(`${writer} wrote a line that is not a JSON-RPC message: ${(error as Error).message}`, { cause: error }));
      return;
    }
    transport.onmessage?.(message);
  });
}
