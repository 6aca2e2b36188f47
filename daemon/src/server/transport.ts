// A message transport is the smallest thing the JSON-RPC layer needs: send a text frame, hear frames
// and the close. The daemon runs the same dispatcher over a real WebSocket and over an in-memory pair in
// tests, so what is tested is what runs.
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';

export interface MessageTransport {
  send(frame: string): void;
  onMessage(listener: (frame: string, byteLength: number) => void): void;
  onClose(listener: (reason: string) => void): void;
  close(reason?: string): void;
  readonly isOpen: boolean;
}

/** Two transports wired to each other, delivering asynchronously like a socket would. */
export function createLinkedTransportPair(): [MessageTransport, MessageTransport] {
  const a = new InMemoryTransport();
  const b = new InMemoryTransport();
  a.peer = b;
  b.peer = a;
  return [a, b];
}

class InMemoryTransport implements MessageTransport {
  peer: InMemoryTransport | undefined;
  private readonly messageListeners: ((frame: string, byteLength: number) => void)[] = [];
  private readonly closeListeners: ((reason: string) => void)[] = [];
  private open = true;

  get isOpen(): boolean {
    return this.open;
  }

  send(frame: string): void {
    if (!this.open) throw new Error('the in-memory transport is closed');
    const peer = this.peer;
    queueMicrotask(() => peer?.deliver(frame));
  }

  onMessage(listener: (frame: string, byteLength: number) => void): void {
    this.messageListeners.push(listener);
  }

  onClose(listener: (reason: string) => void): void {
    this.closeListeners.push(listener);
  }

  close(reason = 'closed'): void {
    if (!this.open) return;
    this.open = false;
    for (const l of this.closeListeners) l(reason);
    this.peer?.close(reason);
  }

  private deliver(frame: string): void {
    if (!this.open) return;
    const length = Buffer.byteLength(frame);
    for (const l of this.messageListeners) l(frame, length);
  }
}

/**
 * Adapts a `ws` socket. Binary frames are decoded as UTF-8 like text frames; JSON-RPC is text either way.
 *
 * `tcp` is the connection under the WebSocket. Frames sent in one turn of the event loop leave in one system
 * call: the first send corks the connection and the end of the turn uncorks it. A group commit answers every
 * request of its batch at once, and an agent with many calls in flight sends the next ones as the answers come,
 * and one write per frame would cost both ends more than the frames themselves; a lone frame is delayed by no
 * more than the rest of the current turn.
 */
export function webSocketTransport(socket: WebSocket, tcp?: Socket): MessageTransport {
  let corked = false;
  const uncork = (): void => {
    corked = false;
    tcp?.uncork();
  };
  return {
    get isOpen() {
      return socket.readyState === socket.OPEN;
    },
    send(frame) {
      if (tcp && !corked) {
        corked = true;
        tcp.cork();
        process.nextTick(uncork);
      }
      socket.send(frame);
    },
    onMessage(listener) {
      socket.on('message', (data) => {
        // `ws` hands over a Buffer unless told otherwise; only the other forms need a copy.
        const buffer = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
        listener(buffer.toString('utf8'), buffer.byteLength);
      });
    },
    onClose(listener) {
      socket.on('close', (code, reason) => listener(reason.toString() || `closed (${code})`));
    },
    close(reason = 'closed') {
      socket.close(1000, reason.slice(0, 120));
    },
  };
}
