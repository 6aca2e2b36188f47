// A client of MCP 2026-07-28 for the tests, over any SDK Transport (the proxy as a process, on its stdio). It
// sends each request with the revision's per-request `_meta` and checks every answer against that revision's
// result schemas, written here from schema/2026-07-28/schema.ts: a result without `resultType`, or a tool result
// whose content is not a list of content blocks, is an error, as it would be for a client that validates.
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

export const REVISION = '2026-07-28';

/** `interface Result`: `resultType` is required of every result; other keys are allowed. */
const Result = z.looseObject({ _meta: z.record(z.string(), z.unknown()).optional(), resultType: z.string() });
/** `interface CacheableResult`: list results and resources/read carry a freshness hint and a cache scope. */
const Cacheable = Result.extend({ ttlMs: z.number().min(0), cacheScope: z.enum(['public', 'private']) });
const Annotated = { annotations: z.record(z.string(), z.unknown()).optional(), _meta: z.record(z.string(), z.unknown()).optional() };
/** `type ContentBlock` */
const ContentBlock = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('text'), text: z.string(), ...Annotated }),
  z.looseObject({ type: z.literal('image'), data: z.string(), mimeType: z.string(), ...Annotated }),
  z.looseObject({ type: z.literal('audio'), data: z.string(), mimeType: z.string(), ...Annotated }),
  z.looseObject({ type: z.literal('resource_link'), uri: z.string(), name: z.string(), ...Annotated }),
  z.looseObject({ type: z.literal('resource'), resource: z.looseObject({ uri: z.string() }), ...Annotated }),
]);

export const schemas = {
  /** `interface CallToolResult` (the `complete` arm of CallToolResultResponse). */
  CallToolResult: Result.extend({ content: z.array(ContentBlock), structuredContent: z.unknown().optional(), isError: z.boolean().optional() }),
  DiscoverResult: Cacheable.extend({ supportedVersions: z.array(z.string()), capabilities: z.record(z.string(), z.unknown()), instructions: z.string().optional() }),
  ListToolsResult: Cacheable.extend({
    tools: z.array(z.looseObject({ name: z.string(), inputSchema: z.record(z.string(), z.unknown()) })),
    nextCursor: z.string().optional(),
  }),
  ReadResourceResult: Cacheable.extend({ contents: z.array(z.looseObject({ uri: z.string() })) }),
  GetPromptResult: Result.extend({ messages: z.array(z.looseObject({ role: z.enum(['user', 'assistant']), content: ContentBlock })) }),
  /** `interface InputRequiredResult`: the server needs input from the client, then the request again (basic/patterns/mrtr). */
  InputRequiredResult: Result.extend({ resultType: z.literal('input_required'), inputRequests: z.record(z.string(), z.looseObject({ method: z.string() })).optional(), requestState: z.string().optional() }),
  /** `interface Error` of a JSONRPCErrorResponse. */
  Error: z.object({ code: z.number().int(), message: z.string(), data: z.unknown().optional() }),
};
type SchemaName = Exclude<keyof typeof schemas, 'Error'>;

/** A JSON-RPC error answer, thrown by `request` with its typed error. */
export class StatelessError extends Error {
  constructor(readonly error: z.infer<typeof schemas.Error>) {
    super(`MCP error ${error.code}: ${error.message}`);
  }
}

export class StatelessClient {
  private nextId = 1;
  private readonly waiting = new Map<string | number, (message: JSONRPCMessage) => void>();
  /** Every message the server side sent, in order. */
  readonly received: JSONRPCMessage[] = [];

  constructor(private readonly transport: Transport) {
    transport.onmessage = (message) => {
      this.received.push(message);
      if ('id' in message && message.id !== undefined && !('method' in message)) this.waiting.get(message.id)?.(message);
    };
  }

  start(): Promise<void> {
    return this.transport.start();
  }

  /** The `_meta` every request of this revision carries (RequestMetaObject). */
  static meta(extra: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      'io.modelcontextprotocol/protocolVersion': REVISION,
      'io.modelcontextprotocol/clientInfo': { name: 'signet-stateless-test', version: '1.0.0' },
      'io.modelcontextprotocol/clientCapabilities': {},
      ...extra,
    };
  }

  /** Sends a request and returns its result validated against `schema`; an error answer is thrown as StatelessError. */
  async request<N extends SchemaName>(method: string, params: Record<string, unknown>, schema: N): Promise<z.infer<(typeof schemas)[N]>> {
    const result = await this.raw(method, { ...params, _meta: StatelessClient.meta(params._meta as Record<string, unknown> | undefined) });
    return schemas[schema].parse(result) as z.infer<(typeof schemas)[N]>;
  }

  /** Sends any request as it is (no `_meta` added) and returns its result, or throws its error. */
  async raw(method: string, params: Record<string, unknown>): Promise<unknown> {
    const id = this.nextId++;
    const answered = new Promise<JSONRPCMessage>((resolve) => this.waiting.set(id, resolve));
    await this.transport.send({ jsonrpc: '2.0', id, method, params } as JSONRPCMessage);
    const message = await answered;
    this.waiting.delete(id);
    if ('error' in message) throw new StatelessError(schemas.Error.parse(message.error));
    return (message as { result: unknown }).result;
  }

  /** Sends a notification as it is. */
  notify(method: string, params?: Record<string, unknown>): Promise<void> {
    return this.transport.send({ jsonrpc: '2.0', method, ...(params ? { params } : {}) } as JSONRPCMessage);
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}
