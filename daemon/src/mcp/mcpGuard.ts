// The server's side of Signet: `signet mcp-guard` and the SDK middleware let a `tools/call`, `resources/read` or
// `prompts/get` reach the server only with an invocation in `params._meta["signet/invocation"]` that
//
//   - validates as UCAN 1.0 (signatures, chain, time bounds, policies) with public keys only,
//   - has a chain rooted at a trusted DID (the user whose Signet granted the right),
//   - is for exactly this call: the call's command, and the arguments the proxy would have asked for, byte for byte
//     in canonical DAG-CBOR (server name, tool or URI or prompt, arguments); the daemon's own `_paths` summary is
//     left out, since the guard cannot recompute it,
//   - expires (within `maxLifetimeSeconds`), so that its nonce need not be kept forever,
//   - has a nonce this guard has not let through before (the ledger is persistent for the CLI),
//   - names this server in `aud`, when it names an audience other than its subject.
//
// Anything else is refused with an MCP error that says why. The guard needs no daemon and no private key.
import { encode } from '@ipld/dag-cbor';
import type { JSONRPCMessage, JSONRPCRequest, RequestId } from '@modelcontextprotocol/sdk/types.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { validateInvocation } from '../ucan/validate';
import type { DelegationPayload, InvocationPayload } from '../ucan/types';
import { didWithoutFragment } from '../ucan/didKey';
import { gateRequestFor, gatedMethods, idKey, INVOCATION_META_KEY, isGated, isGatedNotification, SIGNET_DENIED_ERROR_CODE, type GatedMethod } from './gatedRequests';
import { InputRetries } from './inputRetries';
import { MemoryNonceLedger, nonceKey, type NonceLedger } from './guardNonceLedger';
import type { UcanErrorName } from '../ucan/errors';

export interface GuardOptions {
  /** The DIDs a chain may start from: the users whose Signet may grant rights on this server. */
  trust: readonly string[];
  /** The server name invocations must carry in `args.server` (what the proxy derives or is told). */
  serverName: string;
  /** DIDs that name this server, for invocations addressed to an executor (`aud`); none by default. */
  audience?: readonly string[];
  /** Where seen nonces are kept; in memory by default. */
  ledger?: NonceLedger;
  /** Unix seconds; the clock by default. */
  now?: () => number;
  clockSkewSeconds?: number;
  /** The longest an invocation may live (`exp` from now); 3600 s by default. Signet's own live 300 s. */
  maxLifetimeSeconds?: number;
}

export type GuardErrorName = UcanErrorName | 'MissingInvocation' | 'UntrustedRoot' | 'UnexpectedCommand' | 'ArgumentMismatch' | 'NoExpiry' | 'Replayed' | 'GatedNotification';

/** Who made a call that the guard let through. */
export interface VerifiedCaller {
  /** The DID of the agent that signed the invocation. */
  agent: string;
  /** The trusted root the chain starts from: the user the agent acts for. */
  user: string;
  /** CIDs of the delegations, root first; empty for a call the user made itself. */
  chain: string[];
  invocationCid: string;
  invocation: InvocationPayload;
}

/**
 * A verdict; an ok one comes with `answered`, to be told the server's result for the call, so that a 2026-07-28
 * `input_required` answer lets the client's retry of the very call through once under the same invocation.
 */
export type GuardVerdict = { ok: true; caller: VerifiedCaller; answered: (result: unknown) => void } | { ok: false; name: GuardErrorName; message: string };

const maxCachedDelegations = 1024;
/** Calls let through whose answer is still awaited; more than this many unanswered at once and the oldest are forgotten. */
const maxAnswersAwaited = 4096;
// The field the daemon adds to the arguments it signs (authorizer.ts, PATHS_FIELD), named here so that the SDK does
// not pull in the daemon.
const PATHS_FIELD = '_paths';

function refuse(name: GuardErrorName, message: string): GuardVerdict {
  return { ok: false, name, message };
}

function asObject(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

const base64 = /^[A-Za-z0-9+/]*={0,2}$/;

function bytesOf(text: unknown): Uint8Array | undefined {
  if (typeof text !== 'string' || text.length % 4 !== 0 || !base64.test(text)) return undefined;
  return new Uint8Array(Buffer.from(text, 'base64'));
}

function canonical(value: unknown): Buffer | undefined {
  try {
    return Buffer.from(encode(value));
  } catch {
    return undefined;
  }
}

function sameDid(a: string, b: string): boolean {
  return didWithoutFragment(a) === didWithoutFragment(b);
}

export class InvocationGuard {
  private readonly ledger: NonceLedger;
  private readonly retries = new InputRetries();
  private readonly verified = new Map<string, DelegationPayload>();
  private readonly now: () => number;

  constructor(private readonly options: GuardOptions) {
    if (!options.trust.length) throw new TypeError('a guard needs at least one trusted root DID');
    this.ledger = options.ledger ?? new MemoryNonceLedger();
    this.now = options.now ?? (() => Math.floor(Date.now() / 1000));
  }

  /** Checks one gated request; a verdict of ok has used up the invocation's nonce. */
  check(method: GatedMethod, params: unknown): GuardVerdict {
    const meta = asObject(asObject(asObject(params)._meta)[INVOCATION_META_KEY]);
    const invocation = bytesOf(meta.invocation);
    const proofs = Array.isArray(meta.proofs) ? meta.proofs.map(bytesOf) : undefined;
    if (!invocation || !proofs || proofs.some((p) => p === undefined)) {
      return refuse('MissingInvocation', `the request carries no valid "${INVOCATION_META_KEY}" in _meta: it did not come through Signet`);
    }
    const now = this.now();
    const skew = this.options.clockSkewSeconds ?? 60;
    if (this.verified.size > maxCachedDelegations) this.verified.clear();
    const result = validateInvocation(invocation, proofs as Uint8Array[], {
      now,
      clockSkewSeconds: skew,
      verifiedDelegations: this.verified,
      executor: this.options.audience ?? [],
    });
    if (!result.ok) return refuse(result.error.name, result.error.message);
    const inv = result.invocation;
    const root = result.chain[0]?.payload.iss ?? inv.iss;
    const user = this.options.trust.find((did) => sameDid(did, root));
    if (user === undefined) {
      return refuse('UntrustedRoot', `the chain starts at ${root}, which this server does not trust (trusted: ${this.options.trust.join(', ')})`);
    }
    const cmd = gatedMethods[method];
    if (inv.cmd !== cmd) return refuse('UnexpectedCommand', `the invocation is for ${inv.cmd}, but the request is a ${method} (${cmd})`);
    const gate = gateRequestFor({ jsonrpc: '2.0', id: 0, method, params } as JSONRPCRequest & { method: GatedMethod }, this.options.serverName);
    if ('malformed' in gate) return refuse('ArgumentMismatch', `the request cannot be matched to an invocation: ${gate.malformed}`);
    const expected = gate.args;
    const { [PATHS_FIELD]: _paths, ...signed } = inv.args;
    if (signed.server !== expected.server) {
      return refuse('ArgumentMismatch', `the invocation is for the server ${JSON.stringify(signed.server)}, but this is ${JSON.stringify(expected.server)}`);
    }
    const signedBytes = canonical(signed);
    const callBytes = canonical(expected);
    if (!signedBytes || !callBytes || !signedBytes.equals(callBytes)) {
      const what = method === 'tools/call' ? `the tool ${JSON.stringify(expected.tool)}` : method === 'resources/read' ? `the resource ${JSON.stringify(expected.uri)}` : `the prompt ${JSON.stringify(expected.prompt)}`;
      return refuse('ArgumentMismatch', `the call's arguments are not the ones the invocation was signed for (${what}); any difference is refused`);
    }
    if (inv.exp === null) return refuse('NoExpiry', 'the invocation never expires (exp: null), so it could be replayed forever; a guarded server needs one that expires');
    const maxLifetime = this.options.maxLifetimeSeconds ?? 3600;
    if (inv.exp - now > maxLifetime) {
      return refuse('NoExpiry', `the invocation is valid for ${inv.exp - now} s more, longer than this server accepts (${maxLifetime} s)`);
    }
    const key = nonceKey(inv.iss, inv.nonce);
    if (!this.ledger.claim(key, inv.exp + skew, now) && !this.retries.claim(key, params, now)) {
      return refuse('Replayed', `this invocation (${result.cid}) was used before; every call needs a fresh one`);
    }
    const until = inv.exp + skew;
    const caller = { agent: inv.iss, user, chain: result.chain.map((link) => link.cid), invocationCid: result.cid, invocation: inv };
    return { ok: true, caller, answered: (answer) => this.retries.note(key, answer, until) };
  }

  /** The refusal of a gated method sent as a notification: it has no id to answer, and must never reach the server. */
  static notificationRefusal(method: GatedMethod): { name: 'GatedNotification'; message: string } {
    return { name: 'GatedNotification', message: `a "${method}" sent as a notification (without an id) cannot be checked or answered, so it was not forwarded` };
  }

  /** The JSON-RPC error answering a refused request. */
  static refusal(method: GatedMethod, id: RequestId, verdict: Extract<GuardVerdict, { ok: false }>): JSONRPCMessage {
    const what = method === 'tools/call' ? 'tool call' : method === 'resources/read' ? 'resource read' : 'prompt';
    return {
      jsonrpc: '2.0',
      id,
      error: { code: SIGNET_DENIED_ERROR_CODE, message: `Signet guard refused this ${what}: ${verdict.name}: ${verdict.message}`, data: { signet: verdict.name } },
    };
  }

  close(): void {
    this.ledger.close?.();
  }
}

/**
 * A transport that checks every gated request arriving on `inner` before it is handed on, and answers a refused
 * one itself. Wraps a server's transport (the SDK middleware) or the client side of the CLI guard's relay.
 * `onVerified` is told who made each call let through, keyed by the request's `_meta` object.
 */
export class GuardedTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: Transport['onmessage'];
  setProtocolVersion?: (version: string) => void;

  /** What to tell the guard of the server's answer to each call let through, by request id. */
  private readonly answering = new Map<string, (result: unknown) => void>();

  constructor(
    private readonly inner: Transport,
    private readonly guard: InvocationGuard,
    private readonly onVerified?: (meta: object, caller: VerifiedCaller) => void,
    /** One line per refusal, for the guard's log (stderr for the CLI). */
    private readonly log: (line: string) => void = () => undefined,
  ) {
    if (inner.setProtocolVersion) this.setProtocolVersion = (version) => inner.setProtocolVersion?.(version);
    inner.onclose = () => this.onclose?.();
    inner.onerror = (error) => this.onerror?.(error);
    inner.onmessage = (message, extra) => {
      if (isGatedNotification(message)) {
        // The stdio proxy drops these too: no id to answer, and a server may still act on one.
        this.log(`refused and dropped: ${InvocationGuard.notificationRefusal(message.method).message}`);
        return;
      }
      if (isGated(message) && !this.admit(message)) return;
      this.onmessage?.(message, extra);
    };
  }

  /** Checks one gated request; a refused one is answered here and never handed on. */
  private admit(message: JSONRPCRequest & { method: GatedMethod }): boolean {
    const verdict = this.guard.check(message.method, message.params);
    if (!verdict.ok) {
      this.log(`refused a ${message.method}: ${verdict.name}: ${verdict.message}`);
      void this.inner.send(InvocationGuard.refusal(message.method, message.id, verdict), { relatedRequestId: message.id }).catch((error: unknown) => this.onerror?.(error as Error));
      return false;
    }
    const meta = asObject(message.params)._meta;
    if (meta && typeof meta === 'object') this.onVerified?.(meta, verdict.caller);
    if (this.answering.size >= maxAnswersAwaited) this.answering.clear();
    this.answering.set(idKey(message.id), verdict.answered);
    return true;
  }

  get sessionId(): string | undefined {
    return this.inner.sessionId;
  }

  start(): Promise<void> {
    return this.inner.start();
  }

  send(...args: Parameters<Transport['send']>): Promise<void> {
    const [message] = args;
    if (('result' in message || 'error' in message) && message.id !== undefined && message.id !== null) {
      const answered = this.answering.get(idKey(message.id));
      this.answering.delete(idKey(message.id));
      if ('result' in message) answered?.(message.result);
    }
    return this.inner.send(...args);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/** Relays between a client and a server transport, the client's side guarded: the stdio form of `signet mcp-guard`. */
export async function relayGuarded(client: Transport, server: Transport, guard: InvocationGuard, log: (line: string) => void = () => undefined): Promise<{ closed: Promise<void> }> {
  const guarded = new GuardedTransport(client, guard, undefined, log);
  let closing = false;
  const closed = new Promise<void>((resolve) => {
    const closeBoth = () => {
      if (closing) return;
      closing = true;
      void Promise.allSettled([client.close(), server.close()]).then(() => resolve());
    };
    guarded.onclose = closeBoth;
    server.onclose = closeBoth;
  });
  guarded.onmessage = (message) => void server.send(message).catch((error: unknown) => log(`could not pass a message to the server: ${(error as Error).message}`));
  server.onmessage = (message) => void guarded.send(message).catch((error: unknown) => log(`could not pass a message to the client: ${(error as Error).message}`));
  guarded.onerror = (error) => log(error.message);
  server.onerror = (error) => log(error.message);
  await server.start();
  await guarded.start();
  return { closed };
}
