// MCP 2026-07-28's multi round-trip requests (basic/patterns/mrtr): a server that needs more from the client (an
// elicitation, a sampling) answers a tools/call, resources/read or prompts/get with `resultType: "input_required"`,
// and the client sends the same request again, under a new id, with `inputResponses` and the server's opaque
// `requestState` echoed. For Signet that retry is the call the person approved, not a new one: the proxy sends it
// under the same invocation instead of asking again, and a guard lets that invocation through once more.
//
// Once more per `input_required` answer the server itself gave, and only for a request in the retry's form that
// echoes the answer's `requestState` exactly: a captured invocation cannot be replayed by claiming to be a retry,
// since the allowance comes from the server's answer, which a client cannot make up.

/** The `resultType` of a result that asks the client for input and a retry (schema.ts, InputRequiredResult). */
export const INPUT_REQUIRED = 'input_required';

/** The bounds of what is remembered: entries live as long as their invocation does. */
const maxRemembered = 4096;

function asObject(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** The `requestState` of an `input_required` result, '' when it has none; undefined for any other result. */
export function inputRequiredState(result: unknown): string | undefined {
  const record = asObject(result);
  if (record.resultType !== INPUT_REQUIRED) return undefined;
  return typeof record.requestState === 'string' ? record.requestState : '';
}

/**
 * Whether a request's params are the retry an `input_required` answer with `state` asks for: they carry the client's
 * `inputResponses` or the state, and the state is the answer's to the byte ('' for none, which must then be absent).
 */
export function isRetryFor(params: unknown, state: string): boolean {
  const record = asObject(params);
  const echoed = record.requestState;
  if (state === '' ? echoed !== undefined : echoed !== state) return false;
  return record.inputResponses !== undefined || echoed !== undefined;
}

/** The retries a guard lets through: one per `input_required` answer, keyed by the invocation's nonce. */
export class InputRetries {
  private readonly allowed = new Map<string, { state: string; until: number }>();

  /** Told the server's result to a call let through under `key`; an `input_required` one allows one retry. */
  note(key: string, result: unknown, until: number): void {
    const state = inputRequiredState(result);
    if (state === undefined) return;
    if (this.allowed.size >= maxRemembered) this.allowed.clear();
    this.allowed.set(key, { state, until });
  }

  /** Uses up the retry allowed for `key`, when `params` are that retry and the invocation still lives. */
  claim(key: string, params: unknown, now: number): boolean {
    const entry = this.allowed.get(key);
    if (!entry || entry.until < now || !isRetryFor(params, entry.state)) return false;
    this.allowed.delete(key);
    return true;
  }
}

/** JSON with every object's keys in order, so that one call's arguments compare equal however they were built. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** What makes a request the same call: its method, name or URI, and arguments, as the client sent them. */
function callIdentity(method: string, params: unknown): string {
  const record = asObject(params);
  return stableJson([method, record.name ?? null, record.uri ?? null, record.arguments ?? null]);
}

interface OpenRound<A> {
  identity: string;
  state: string;
  allowed: A;
  /** Unix seconds after which the invocation is no longer valid, and the retry is asked about anew. */
  until: number;
}

/**
 * The proxy's side: calls it forwarded with an invocation, and those the server answered `input_required`, whose
 * retry goes out under the same authorization without the daemon (and so a person) being asked again. `A` is what
 * the proxy forwards a call with (the daemon's allow).
 */
export class RetryableCalls<A> {
  private readonly forwarded = new Map<string, { identity: string; allowed: A; until: number }>();
  private readonly open: OpenRound<A>[] = [];

  /** A call sent on under `allowed`, valid until `until`, by its request id key. */
  sent(idKey: string, method: string, params: unknown, allowed: A, until: number): void {
    if (this.forwarded.size >= maxRemembered) this.forwarded.clear();
    this.forwarded.set(idKey, { identity: callIdentity(method, params), allowed, until });
  }

  /** Whether an answer with this id key is awaited, so that the server's output is worth decoding. */
  get awaiting(): boolean {
    return this.forwarded.size > 0;
  }

  /** The server's answer to a request; an `input_required` result to a forwarded call opens its retry. */
  answered(idKey: string, message: object): void {
    const call = this.forwarded.get(idKey);
    if (!call) return;
    this.forwarded.delete(idKey);
    const state = inputRequiredState((message as { result?: unknown }).result);
    if (state === undefined) return;
    if (this.open.length >= maxRemembered) this.open.shift();
    this.open.push({ identity: call.identity, state, allowed: call.allowed, until: call.until });
  }

  /** The authorization of the round a request retries, used up; undefined when it retries none (or too late). */
  claim(method: string, params: unknown, now: number): A | undefined {
    const identity = callIdentity(method, params);
    const at = this.open.findIndex((round) => round.identity === identity && isRetryFor(params, round.state));
    if (at < 0) return undefined;
    const [round] = this.open.splice(at, 1);
    return round && round.until > now ? round.allowed : undefined;
  }
}
