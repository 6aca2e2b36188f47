// The smallest WebSocket client the hook needs (RFC 6455, client side, over plain TCP to loopback): one handshake,
// masked text frames out, text frames in. The hook is a new process on every tool call, and loading `ws` (with
// Node's http, https and tls it pulls in) took about a quarter of a bare `node -e 0` here; `net` and `crypto` cost
// next to nothing. Everything else about the daemon's protocol is unchanged: the daemon's `ws` server sees an
// ordinary client that offers no extensions. Anything unexpected closes the socket, and the hook denies.
import { createHash, randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const OPCODE = { continuation: 0x0, text: 0x1, close: 0x8, ping: 0x9, pong: 0xa } as const;
/** Answers larger than this are refused (the daemon's answers to a hook are a few kilobytes). */
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

export interface MiniWebSocket {
  send(text: string): void;
  onMessage(handler: (text: string) => void): void;
  onClose(handler: (reason: string) => void): void;
  /** Drops the connection at once, without a closing handshake. */
  terminate(): void;
}

/** One frame, masked as a client's must be. */
function frame(opcode: number, payload: Buffer): Buffer {
  const length = payload.length;
  const extra = length < 126 ? 0 : length < 65536 ? 2 : 8;
  const header = Buffer.alloc(2 + extra + 4);
  header[0] = 0x80 | opcode;
  header[1] = 0x80 | (extra === 0 ? length : extra === 2 ? 126 : 127);
  if (extra === 2) header.writeUInt16BE(length, 2);
  if (extra === 8) header.writeBigUInt64BE(BigInt(length), 2);
  const mask = randomBytes(4);
  mask.copy(header, 2 + extra);
  const masked = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) masked[i] = payload[i]! ^ mask[i & 3]!;
  return Buffer.concat([header, masked]);
}

/** Connects to ws://127.0.0.1:port with the given headers; rejects with the reason the server refused. */
export function connectMiniWebSocket(port: number, headers: Record<string, string>, timeoutMs: number): Promise<MiniWebSocket> {
  return new Promise((resolve, reject) => {
    const key = randomBytes(16).toString('base64');
    const socket = connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => socket.destroy(new Error(`no WebSocket handshake within ${timeoutMs} ms`)), timeoutMs);
    let buffered = Buffer.alloc(0);
    const onHandshakeData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      clearTimeout(timer);
      socket.off('data', onHandshakeData);
      const head = buffered.subarray(0, end).toString('latin1');
      const accept = createHash('sha1').update(key + GUID).digest('base64');
      const status = /^HTTP\/1\.1 (\d{3})/.exec(head)?.[1];
      if (status !== '101' || !new RegExp(`^sec-websocket-accept: *${accept.replace(/[+/=]/g, '\\$&')} *$`, 'im').test(head)) {
        socket.destroy();
        reject(new Error(`the server refused the WebSocket (HTTP ${status ?? '?'})`));
        return;
      }
      resolve(framed(socket, buffered.subarray(end + 4)));
    };
    socket.on('data', onHandshakeData);
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.once('connect', () => {
      const lines = [`GET / HTTP/1.1`, `Host: 127.0.0.1:${port}`, 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Key: ${key}`, 'Sec-WebSocket-Version: 13'];
      for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    });
  });
}

function framed(socket: Socket, initial: Buffer): MiniWebSocket {
  const messageHandlers: ((text: string) => void)[] = [];
  const closeHandlers: ((reason: string) => void)[] = [];
  let buffered = initial;
  let fragments: Buffer[] = [];
  let closed = false;
  const close = (reason: string) => {
    if (closed) return;
    closed = true;
    socket.destroy();
    for (const handler of closeHandlers) handler(reason);
  };
  const readFrames = () => {
    while (buffered.length >= 2) {
      const fin = (buffered[0]! & 0x80) !== 0;
      const opcode = buffered[0]! & 0x0f;
      if ((buffered[1]! & 0x80) !== 0) return close('the server sent a masked frame');
      let length = buffered[1]! & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (buffered.length < 4) return;
        length = buffered.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (buffered.length < 10) return;
        const long = buffered.readBigUInt64BE(2);
        if (long > BigInt(MAX_MESSAGE_BYTES)) return close('the server sent a frame too large for a hook');
        length = Number(long);
        offset = 10;
      }
      if (buffered.length < offset + length) return;
      const payload = buffered.subarray(offset, offset + length);
      buffered = buffered.subarray(offset + length);
      if (opcode === OPCODE.close) return close('the server closed the connection');
      if (opcode === OPCODE.ping) socket.write(frame(OPCODE.pong, payload));
      if (opcode !== OPCODE.text && opcode !== OPCODE.continuation) continue;
      fragments.push(Buffer.from(payload));
      if (fragments.reduce((n, f) => n + f.length, 0) > MAX_MESSAGE_BYTES) return close('the server sent a message too large for a hook');
      if (!fin) continue;
      const text = Buffer.concat(fragments).toString('utf8');
      fragments = [];
      for (const handler of messageHandlers) handler(text);
    }
  };
  socket.on('data', (chunk: Buffer) => {
    buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
    readFrames();
  });
  socket.on('close', () => close('the connection closed'));
  socket.on('error', () => close('the connection failed'));
  return {
    send: (text) => socket.write(frame(OPCODE.text, Buffer.from(text, 'utf8'))),
    // Frames that came with the handshake's answer are read once someone listens.
    onMessage: (handler) => {
      messageHandlers.push(handler);
      readFrames();
    },
    onClose: (handler) => closeHandlers.push(handler),
    terminate: () => close('closed by the hook'),
  };
}
