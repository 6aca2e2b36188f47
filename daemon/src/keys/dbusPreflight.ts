import { connect } from 'node:net';
import type { Socket } from 'node:net';

/**
 * A minimal, asynchronous D-Bus client that answers one question before the keyring library is used:
 * can the Secret Service be reached right now?
 *
 * Why it exists: `@napi-rs/keyring` opens its D-Bus connection synchronously, on the JavaScript thread,
 * when an entry is constructed. With a session bus that accepts connections but never answers (a
 * stopped or wedged dbus-daemon) that call blocks the whole daemon forever, and no timeout can interrupt
 * it. This check speaks just enough of the protocol (SASL EXTERNAL, Hello, Peer.Ping) over a socket it
 * can abandon, so that a dead bus or keyring becomes a timely error and the blocking call is only made
 * once both answered.
 */
export type PreflightResult =
  | { ok: true }
  /** DBUS_SESSION_BUS_ADDRESS is not set: there is no session bus to talk to. */
  | { ok: false; reason: 'no-address'; detail: string }
  /** The address names a bus that cannot be connected to, or that refused us. */
  | { ok: false; reason: 'unreachable-bus'; detail: string; cause?: unknown }
  /** The bus answered that nothing provides org.freedesktop.secrets. */
  | { ok: false; reason: 'no-service'; detail: string }
  /** The bus did not finish the handshake in time (the caller knows the time limit it gave). */
  | { ok: false; reason: 'bus-timeout'; detail: string }
  /** The bus works, but the Secret Service did not answer a ping in time. */
  | { ok: false; reason: 'service-timeout'; detail: string }
  /** The address uses a transport this check does not speak; the caller should skip the check. */
  | { ok: false; reason: 'unsupported'; detail: string };

const SECRET_SERVICE = 'org.freedesktop.secrets';

export async function preflightSecretService(address: string | undefined, timeoutMs: number): Promise<PreflightResult> {
  if (address === undefined || address.trim() === '') {
    return { ok: false, reason: 'no-address', detail: 'DBUS_SESSION_BUS_ADDRESS is not set' };
  }
  const target = parseUnixAddress(address);
  if (!target) return { ok: false, reason: 'unsupported', detail: `no unix:path or unix:abstract address in '${address}'` };
  return new Promise<PreflightResult>((resolve) => {
    const conversation = new Conversation(target, resolve);
    conversation.start(timeoutMs);
  });
}

/** The first `unix:path=…` or `unix:abstract=…` entry of a D-Bus address list, as a socket path. */
export function parseUnixAddress(address: string): string | undefined {
  for (const entry of address.split(';')) {
    const colon = entry.indexOf(':');
    if (colon < 0 || entry.slice(0, colon) !== 'unix') continue;
    const params = new Map<string, string>();
    for (const pair of entry.slice(colon + 1).split(',')) {
      const eq = pair.indexOf('=');
      if (eq > 0) params.set(pair.slice(0, eq), unescapeValue(pair.slice(eq + 1)));
    }
    const path = params.get('path');
    if (path !== undefined) return path;
    const abstract = params.get('abstract');
    // Node reaches Linux abstract sockets through a leading NUL byte.
    if (abstract !== undefined) return `\0${abstract}`;
  }
  return undefined;
}

function unescapeValue(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

type Phase = 'auth' | 'hello' | 'ping' | 'done';

class Conversation {
  private socket: Socket | undefined;
  private timer: NodeJS.Timeout | undefined;
  private phase: Phase = 'auth';
  private buffer = Buffer.alloc(0);
  private readonly helloSerial = 1;
  private readonly pingSerial = 2;

  constructor(
    private readonly path: string,
    private readonly resolve: (result: PreflightResult) => void,
  ) {}

  start(timeoutMs: number): void {
    this.timer = setTimeout(() => {
      const waitingForService = this.phase === 'ping';
      this.finish(
        waitingForService
          ? { ok: false, reason: 'service-timeout', detail: `${SECRET_SERVICE} did not answer a ping` }
          : { ok: false, reason: 'bus-timeout', detail: 'the D-Bus session bus did not answer' },
      );
    }, timeoutMs);
    const socket = connect({ path: this.path });
    this.socket = socket;
    socket.on('connect', () => {
      const uid = String(process.getuid?.() ?? 0);
      // SASL EXTERNAL: a NUL byte, then our uid in hex; the kernel vouches for it through the socket.
      socket.write(Buffer.concat([Buffer.from([0]), Buffer.from(`AUTH EXTERNAL ${Buffer.from(uid).toString('hex')}\r\n`)]));
    });
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) =>
      this.finish({ ok: false, reason: 'unreachable-bus', detail: `cannot connect to the D-Bus session bus at ${printable(this.path)}: ${error.message}`, cause: error }),
    );
    socket.on('close', () =>
      this.finish({ ok: false, reason: 'unreachable-bus', detail: `the D-Bus session bus at ${printable(this.path)} closed the connection` }),
    );
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    if (this.phase === 'auth') {
      const end = this.buffer.indexOf('\r\n');
      if (end < 0) return;
      const line = this.buffer.subarray(0, end).toString('latin1');
      this.buffer = this.buffer.subarray(end + 2);
      if (!line.startsWith('OK ')) {
        this.finish({ ok: false, reason: 'unreachable-bus', detail: `the D-Bus session bus refused authentication (${line})` });
        return;
      }
      this.phase = 'hello';
      this.socket?.write(
        Buffer.concat([
          Buffer.from('BEGIN\r\n'),
          methodCall(this.helloSerial, { destination: 'org.freedesktop.DBus', path: '/org/freedesktop/DBus', iface: 'org.freedesktop.DBus', member: 'Hello' }),
          // Ping is answered by every GDBus/libdbus service without touching any secret. Sending it with
          // auto-start allowed mirrors what the keyring library does: an activatable keyring is started.
          methodCall(this.pingSerial, { destination: SECRET_SERVICE, path: '/org/freedesktop/secrets', iface: 'org.freedesktop.DBus.Peer', member: 'Ping' }),
        ]),
      );
    }
    for (;;) {
      let message: IncomingMessage | undefined;
      try {
        message = takeMessage(this);
      } catch (error) {
        this.finish({ ok: false, reason: 'unreachable-bus', detail: `the D-Bus session bus sent a message this check cannot read: ${(error as Error).message}`, cause: error });
        return;
      }
      if (!message) return;
      this.onMessage(message);
      if (this.phase === 'done') return;
    }
  }

  /** Gives the message parser access to the receive buffer without exposing it further. */
  take(length: number): Buffer | undefined {
    if (this.buffer.length < length) return undefined;
    const message = this.buffer.subarray(0, length);
    this.buffer = this.buffer.subarray(length);
    return message;
  }

  peek(): Buffer {
    return this.buffer;
  }

  private onMessage(message: IncomingMessage): void {
    if (message.replySerial === this.helloSerial) {
      if (message.type === MessageType.Error) {
        this.finish({ ok: false, reason: 'unreachable-bus', detail: `the D-Bus session bus rejected Hello: ${message.errorName}` });
      } else {
        this.phase = 'ping';
      }
      return;
    }
    if (message.replySerial !== this.pingSerial) return;
    if (message.type === MessageType.Error && isMissingService(message.errorName)) {
      this.finish({ ok: false, reason: 'no-service', detail: `${SECRET_SERVICE} is not provided on this bus (${message.errorName}${message.errorText ? `: ${message.errorText}` : ''})` });
      return;
    }
    if (message.type === MessageType.Error && message.errorName === 'org.freedesktop.DBus.Error.NoReply') {
      this.finish({ ok: false, reason: 'service-timeout', detail: `${SECRET_SERVICE} did not answer a ping (${message.errorText ?? 'no reply'})` });
      return;
    }
    // Any other answer, even an error such as UnknownMethod, means a live service replied.
    this.finish({ ok: true });
  }

  private finish(result: PreflightResult): void {
    if (this.phase === 'done') return;
    this.phase = 'done';
    clearTimeout(this.timer);
    this.socket?.destroy();
    this.resolve(result);
  }
}

function isMissingService(errorName: string | undefined): boolean {
  return (
    errorName === 'org.freedesktop.DBus.Error.ServiceUnknown' ||
    errorName === 'org.freedesktop.DBus.Error.NameHasNoOwner' ||
    (errorName?.startsWith('org.freedesktop.DBus.Error.Spawn.') ?? false)
  );
}

function printable(path: string): string {
  return path.startsWith('\0') ? `@${path.slice(1)}` : path;
}

// ——— The wire format (D-Bus specification, "Message Protocol"), just the parts used above. ———

const MessageType = { MethodCall: 1, Return: 2, Error: 3, Signal: 4 } as const;
const HeaderField = { Path: 1, Interface: 2, Member: 3, ErrorName: 4, ReplySerial: 5, Destination: 6, Signature: 8 } as const;

interface IncomingMessage {
  type: number;
  replySerial: number | undefined;
  errorName: string | undefined;
  errorText: string | undefined;
}

class Writer {
  private readonly bytes: number[] = [];

  get length(): number {
    return this.bytes.length;
  }

  align(boundary: number): void {
    while (this.bytes.length % boundary !== 0) this.bytes.push(0);
  }

  byte(value: number): void {
    this.bytes.push(value & 0xff);
  }

  uint32(value: number): void {
    this.align(4);
    this.bytes.push(value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff);
  }

  patchUint32(offset: number, value: number): void {
    this.bytes[offset] = value & 0xff;
    this.bytes[offset + 1] = (value >>> 8) & 0xff;
    this.bytes[offset + 2] = (value >>> 16) & 0xff;
    this.bytes[offset + 3] = (value >>> 24) & 0xff;
  }

  /** Types `s` and `o`: uint32 length, UTF-8 bytes, NUL. */
  string(value: string): void {
    const utf8 = Buffer.from(value, 'utf8');
    this.uint32(utf8.length);
    for (const b of utf8) this.bytes.push(b);
    this.bytes.push(0);
  }

  /** Type `g`: byte length, ASCII, NUL. */
  signature(value: string): void {
    this.byte(value.length);
    for (const ch of value) this.bytes.push(ch.charCodeAt(0));
    this.bytes.push(0);
  }

  toBuffer(): Buffer {
    return Buffer.from(this.bytes);
  }
}

function methodCall(serial: number, call: { destination: string; path: string; iface: string; member: string }): Buffer {
  const w = new Writer();
  w.byte('l'.charCodeAt(0)); // little-endian
  w.byte(MessageType.MethodCall);
  w.byte(0); // flags: a reply is wanted, auto-start allowed
  w.byte(1); // protocol version
  w.uint32(0); // body length: these calls carry no arguments
  w.uint32(serial);
  const arrayLengthAt = w.length;
  w.uint32(0);
  w.align(8);
  const arrayStart = w.length;
  const fields: Array<[number, 'o' | 's', string]> = [
    [HeaderField.Path, 'o', call.path],
    [HeaderField.Interface, 's', call.iface],
    [HeaderField.Member, 's', call.member],
    [HeaderField.Destination, 's', call.destination],
  ];
  for (const [code, type, value] of fields) {
    w.align(8);
    w.byte(code);
    w.signature(type);
    w.string(value);
  }
  w.patchUint32(arrayLengthAt, w.length - arrayStart);
  w.align(8);
  return w.toBuffer();
}

/** Removes one complete message from the conversation's buffer, or returns undefined if none is whole. */
function takeMessage(source: { peek(): Buffer; take(length: number): Buffer | undefined }): IncomingMessage | undefined {
  const head = source.peek();
  if (head.length < 16) return undefined;
  const little = head[0] === 0x6c; // 'l'
  if (!little && head[0] !== 0x42) throw new Error(`bad endianness byte ${head[0]}`);
  const u32 = (buf: Buffer, at: number) => (little ? buf.readUInt32LE(at) : buf.readUInt32BE(at));
  const bodyLength = u32(head, 4);
  const fieldsLength = u32(head, 12);
  const total = align(16 + fieldsLength, 8) + bodyLength;
  if (total > 1 << 26) throw new Error(`message of ${total} bytes`);
  const message = source.take(total);
  if (!message) return undefined;

  const result: IncomingMessage = { type: message[1] ?? 0, replySerial: undefined, errorName: undefined, errorText: undefined };
  let signature = '';
  let at = 16;
  const end = 16 + fieldsLength;
  const readString = (): string => {
    at = align(at, 4);
    const length = u32(message, at);
    const value = message.toString('utf8', at + 4, at + 4 + length);
    at += 4 + length + 1;
    return value;
  };
  const readSignature = (): string => {
    const length = message[at] ?? 0;
    const value = message.toString('latin1', at + 1, at + 1 + length);
    at += 1 + length + 1;
    return value;
  };
  while (at < end) {
    at = align(at, 8);
    const code = message[at] ?? 0;
    at += 1;
    const type = readSignature();
    let value: string | number;
    if (type === 's' || type === 'o') value = readString();
    else if (type === 'g') value = readSignature();
    else if (type === 'u' || type === 'h') {
      at = align(at, 4);
      value = u32(message, at);
      at += 4;
    } else throw new Error(`unexpected header field type '${type}'`);
    if (code === HeaderField.ReplySerial && typeof value === 'number') result.replySerial = value;
    if (code === HeaderField.ErrorName && typeof value === 'string') result.errorName = value;
    if (code === HeaderField.Signature && typeof value === 'string') signature = value;
  }
  // An error's body usually starts with a human-readable string.
  if (result.type === MessageType.Error && signature.startsWith('s')) {
    at = align(end, 8);
    if (at + 4 <= message.length) result.errorText = readString();
  }
  return result;
}

function align(offset: number, boundary: number): number {
  return Math.ceil(offset / boundary) * boundary;
}
