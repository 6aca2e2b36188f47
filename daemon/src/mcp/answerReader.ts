// Reads the JSON-RPC messages of an HTTP answer while it is relayed, chunk by chunk, without holding it up: the
// guard learns from what the server answers (the tools it lists, an `input_required` result) and passes every byte
// on unchanged. A JSON answer is one object or a batch; an SSE answer is events whose `data:` lines are messages.
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/** A JSON answer larger than this is passed on but not read: nothing the guard learns is worth holding that much. */
const maxJsonBytes = 8 * 1024 * 1024;

/** The one message an SSE event's `data:` lines carry, joined; undefined for a comment or an event that is not JSON. */
export function sseEventMessage(event: string): JSONRPCMessage | undefined {
  const data = event
    .split(/\r?\n/)
    .filter((line) => line.startsWith('data:'))
    .map((line) => line.slice(5).replace(/^ /, ''))
    .join('\n');
  if (!data) return undefined;
  try {
    return JSON.parse(data) as JSONRPCMessage;
  } catch {
    return undefined;
  }
}

export class AnswerReader {
  private readonly decoder = new TextDecoder();
  private readonly sse: boolean;
  private text = '';
  private size = 0;

  constructor(contentType: string, private readonly onMessage: (message: JSONRPCMessage) => void) {
    this.sse = contentType.includes('text/event-stream');
  }

  push(chunk: Uint8Array): void {
    this.size += chunk.length;
    if (!this.sse && this.size > maxJsonBytes) return;
    this.text += this.decoder.decode(chunk, { stream: true });
    if (!this.sse) return;
    for (let end = this.text.search(/\r?\n\r?\n/); end >= 0; end = this.text.search(/\r?\n\r?\n/)) {
      this.deliver(sseEventMessage(this.text.slice(0, end)));
      this.text = this.text.slice(end).replace(/^\r?\n\r?\n/, '');
    }
  }

  end(): void {
    if (this.sse) {
      if (this.text.trim()) this.deliver(sseEventMessage(this.text));
      return;
    }
    if (this.size > maxJsonBytes) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(this.text);
    } catch {
      return;
    }
    for (const message of Array.isArray(parsed) ? parsed : [parsed]) this.deliver(message as JSONRPCMessage);
  }

  private deliver(message: JSONRPCMessage | undefined): void {
    if (message && typeof message === 'object') this.onMessage(message);
  }
}
