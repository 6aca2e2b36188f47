// The daemon's side of the clients' hooks, beyond authorize itself: one decision per client call, the outcome
// of an allowed call appended to the log against it, and client sessions that end.
//
// - One decision per call. VS Code runs Copilot's hooks from `.github/hooks/*.json` and from `.claude/settings.json`,
//   so one tool call can ask twice. A second ask with the same agent, client, session, tool_use_id and the same
//   call, while the first is pending or within DUPLICATE_ASK_SECONDS of it, is answered from the first:
//   - Claude Code's and VS Code's tool_use_ids come from the model's API and name one call each, so the second ask
//     gets the first one's answer (the same invocation), never a second prompt or a second record.
//   - Cursor's ids are made by the hook from the generation and what the call runs (cursorHook.ts), so the same
//     command run twice in one generation shares one. There only a deny is answered again (the person is not asked
//     twice for what they just refused); an allow goes to the one ask it was decided for, and a repeat is decided
//     anew, as the new run it may be. An "allow once" so authorizes exactly one run.
//   - A deny that came from the request being cancelled (its asker disconnected, withdrew it, or the daemon
//     stopped) says nothing about the call, so it is never answered again: a client retrying asks anew.
// - Outcomes. PostToolUse and Cursor's after-events report what came of a call by its tool_use_id; the record
//   `call.outcome` names the invocation of the allowed call it belongs to, found by agent + client + session +
//   id. An outcome that matches no allowed call, or more than one, is recorded with `invocation: null` and why.
// - Sessions. A `session` approval made from a hook is bound to the client's session for the hook's main agent
//   (authz/sessionKeys.ts); it ends with that agent's session-end event (`session/end`), after
//   SESSION_IDLE_SECONDS without a call, or when more than MAX_CLIENT_SESSIONS sessions are open and it is the
//   one forgotten. Each end is recorded with typed data (`sessionEnd`), the client's own reason only as its claim.
import { createHash } from 'node:crypto';
import type { AuditSink } from '../authz/authorizer';
import { clientSessionKey } from '../authz/sessionKeys';
import type { AuthorizeParams, AuthorizeResult, CallOutcomeParams, CallOutcomeResult, ClientCall, DenyCode, HookClientName, SessionEndParams, SessionEndResult } from '../server/protocol';
import type { Connection } from '../server/rpcServer';

/** A client session with no call for this long ends: its session approvals are revoked. */
export const SESSION_IDLE_SECONDS = 60 * 60;
/**
 * At most this many client sessions are followed; past it the one seen longest ago that holds no session approval
 * is forgotten (so an agent that makes up session ids cannot push out another's approved session), else the one
 * seen longest ago. A forgotten session's approvals end, which fails safe: its next call is asked again.
 */
export const MAX_CLIENT_SESSIONS = 4096;
/** How many of the oldest sessions are looked at for one without approvals before the oldest is forgotten. */
const EVICTION_CANDIDATES = 64;
/** How long a decided call is remembered, for its duplicate ask and its outcome. */
const CALL_MEMORY_SECONDS = 60 * 60;
/** A second ask of the same call this soon after the first is the same call asked twice, not a new one. */
const DUPLICATE_ASK_SECONDS = 30;
/** At most this many calls are remembered; the oldest are forgotten first. */
const MAX_REMEMBERED_CALLS = 20_000;
/** At most this many asks are kept under one id (Cursor's repeat); past it the outcome is attached to none. */
const MAX_ASKS_PER_CALL = 64;
/** The clients whose tool_use_id names one call (see the header); Cursor's does not. */
const CLIENTS_WITH_UNIQUE_CALL_IDS: ReadonlySet<HookClientName> = new Set(['claude-code', 'vscode']);
/** Denials that come from the request being cancelled, not from a decision about the call. */
const CANCELLED: ReadonlySet<DenyCode> = new Set(['disconnected', 'withdrawn', 'daemon-shutdown']);

export interface ClientCallsOptions {
  authorize(params: AuthorizeParams, connection: Connection): Promise<AuthorizeResult>;
  audit: AuditSink;
  /** The DID of an agent by name, for the outcome record. */
  agentDid(name: string): string | undefined;
  /** The live delegations bound to a session key. */
  sessionDelegations(key: string): string[];
  /** Revokes a delegation and what is below it; `detail` goes into its record as typed data. */
  revoke(cid: string, reason: string, detail: Record<string, unknown>): Promise<string[]>;
  /** Seconds since the epoch. */
  now?: () => number;
  idleSeconds?: number;
  maxSessions?: number;
}

interface Ask {
  /** A digest of what was asked (askDigest). */
  digest: string;
  at: number;
  result: Promise<AuthorizeResult>;
  settled?: AuthorizeResult;
}

interface DecidedCall {
  at: number;
  /** Each call asked under this id, oldest first: normally one; more for a different call, or Cursor's repeat. */
  asks: Ask[];
  /** Asks were dropped over MAX_ASKS_PER_CALL, so which call an outcome belongs to cannot be told. */
  forgotAsks?: boolean;
  /** The outcome's record, once one was reported, and a digest of what was reported. */
  outcome?: Promise<CallOutcomeResult>;
  outcomeDigest?: string;
}

/** How a client session ended, as its revocation records tell it. */
type SessionEnd = { cause: 'ended'; clientReason?: string } | { cause: 'idle' } | { cause: 'forgotten' };

function callKey(agent: string, call: ClientCall & { toolUseId: string }): string {
  return JSON.stringify([agent, call.client, call.session ?? null, call.toolUseId]);
}

/** What makes two asks the same call: everything the decision depends on, not only the client's id. */
function askDigest(params: AuthorizeParams): string {
  const { requestId: _requestId, clientCall: _clientCall, ...asked } = params;
  return createHash('sha256').update(JSON.stringify(asked)).digest('hex');
}

/** Whether an earlier ask's answer is also this ask's (see the header); undefined is an ask that failed. */
function answersAgain(earlier: AuthorizeResult | undefined, client: HookClientName): earlier is AuthorizeResult {
  if (!earlier) return false;
  if (earlier.decision === 'deny') return !CANCELLED.has(earlier.code);
  return CLIENTS_WITH_UNIQUE_CALL_IDS.has(client);
}

export class ClientCalls {
  private readonly calls = new Map<string, DecidedCall>();
  /** The client sessions followed, by session key, the one seen longest ago first. */
  private readonly sessionsLastSeen = new Map<string, { at: number; client: HookClientName }>();
  private readonly now: () => number;
  private readonly idleSeconds: number;
  private readonly maxSessions: number;

  constructor(private readonly options: ClientCallsOptions) {
    this.now = options.now ?? (() => Math.floor(Date.now() / 1000));
    this.idleSeconds = options.idleSeconds ?? SESSION_IDLE_SECONDS;
    this.maxSessions = options.maxSessions ?? MAX_CLIENT_SESSIONS;
  }

  /** How many client sessions are followed now. */
  get sessionCount(): number {
    return this.sessionsLastSeen.size;
  }

  /** authorize, once per client call; every call also keeps its client session alive and ends idle ones. */
  async authorize(params: AuthorizeParams, connection: Connection): Promise<AuthorizeResult> {
    await this.endIdleSessions();
    const call = params.clientCall;
    const sessionKey = clientSessionKey(call, params.actingFor ?? params.agent);
    if (call && sessionKey) await this.seeSession(sessionKey, call.client);
    if (!call?.toolUseId) return this.options.authorize(params, connection);
    const key = callKey(params.agent, { ...call, toolUseId: call.toolUseId });
    const digest = askDigest(params);
    const earlier = this.currentCall(key).asks.findLast((a) => a.digest === digest);
    if (earlier && earlier.at > this.now() - DUPLICATE_ASK_SECONDS) {
      if (earlier.settled === undefined) return this.afterEarlier(earlier, key, digest, params, connection);
      if (answersAgain(earlier.settled, call.client)) return earlier.settled;
    }
    return this.ask(key, digest, params, connection);
  }

  /** An ask that came while the same call was being decided: the first answer, when it answers this ask too. */
  private async afterEarlier(earlier: Ask, key: string, digest: string, params: AuthorizeParams, connection: Connection): Promise<AuthorizeResult> {
    const first = await earlier.result.catch(() => undefined);
    return answersAgain(first, params.clientCall!.client) ? first : this.ask(key, digest, params, connection);
  }

  /** A new decision of the call, kept under its id so that its duplicate and its outcome find it. */
  private ask(key: string, digest: string, params: AuthorizeParams, connection: Connection): Promise<AuthorizeResult> {
    const decided = this.currentCall(key);
    const ask: Ask = { digest, at: this.now(), result: this.options.authorize(params, connection) };
    decided.asks.push(ask);
    if (decided.asks.length > MAX_ASKS_PER_CALL) {
      decided.asks.shift();
      decided.forgotAsks = true;
    }
    // An ask that failed decided nothing: it is forgotten, so that a retry asks again.
    ask.result
      .then((result) => (ask.settled = result))
      .catch(() => {
        const at = decided.asks.indexOf(ask);
        if (at >= 0) decided.asks.splice(at, 1);
      });
    return ask.result;
  }

  /** The record of the call under a key; any ask after its outcome is a new call (Cursor's ids repeat). */
  private currentCall(key: string): DecidedCall {
    const decided = this.remember(key);
    if (decided.outcome === undefined) return decided;
    const fresh: DecidedCall = { at: this.now(), asks: [] };
    this.calls.set(key, fresh);
    return fresh;
  }

  /** Appends `call.outcome` for a reported outcome, against the allowed call it belongs to, once. */
  async outcome(params: CallOutcomeParams): Promise<CallOutcomeResult> {
    const key = callKey(params.agent, params.call);
    const decided = this.calls.get(key) ?? this.remember(key);
    const digest = createHash('sha256').update(JSON.stringify(params)).digest('hex');
    // Claimed before anything is awaited, so that the same outcome reported twice at once is appended once. A
    // different outcome under the same id (a second edit of one file in one Cursor generation) is its own record,
    // matched to no call: it is never dropped, and never attached to the first call's invocation.
    if (decided.outcome && decided.outcomeDigest === digest) return { ...(await decided.outcome), duplicate: true };
    const match = decided.outcome ? { invocation: null, unmatched: 'another outcome was already recorded for this tool_use_id' } : matchInvocation(decided);
    const appended = this.appendOutcome(params, match);
    decided.outcome = appended;
    decided.outcomeDigest = digest;
    // An append that failed recorded nothing: a later report may try again.
    appended.catch(() => {
      if (decided.outcome === appended) decided.outcome = undefined;
    });
    return appended;
  }

  private async appendOutcome(params: CallOutcomeParams, { invocation, unmatched }: { invocation: string | null; unmatched?: string }): Promise<CallOutcomeResult> {
    const record = await this.options.audit.append({
      agent: this.options.agentDid(params.agent) ?? null,
      kind: 'call.outcome',
      data: {
        invocation,
        agentName: params.agent,
        client: params.call.client,
        ...(params.call.session !== undefined ? { session: params.call.session } : {}),
        toolUseId: params.call.toolUseId,
        event: params.event,
        ...(params.tool !== undefined ? { tool: params.tool } : {}),
        ...(params.exitStatus !== undefined ? { exitStatus: params.exitStatus } : {}),
        ...(params.failed !== undefined ? { failed: params.failed } : {}),
        ...(params.outputDigest !== undefined ? { outputDigest: params.outputDigest } : {}),
        ...(params.changedFiles !== undefined ? { changedFiles: params.changedFiles } : {}),
        ...(unmatched ? { unmatched } : {}),
      },
    });
    return { invocation, duplicate: false, seq: record.seq };
  }

  /**
   * Ends a client session of the calling hook's agent: every session approval made in it for that agent (and the
   * subagents acting for it) is revoked. The key is the one that agent's own calls made, so another agent's hook
   * naming the same session id ends nothing of it.
   */
  async endSession(params: SessionEndParams): Promise<SessionEndResult> {
    const key = clientSessionKey(params.call, params.agent)!;
    this.sessionsLastSeen.delete(key);
    return { revoked: await this.revokeSession(key, params.call.client, { cause: 'ended', ...(params.reason ? { clientReason: params.reason } : {}) }) };
  }

  /** Signet's own sentence for the record, and the typed data beside it. */
  private async revokeSession(key: string, client: HookClientName, end: SessionEnd): Promise<string[]> {
    const reason = {
      ended: `the ${client} session ended`,
      idle: `the ${client} session had no call for ${Math.round(this.idleSeconds / 60)} min`,
      forgotten: `the ${client} session was forgotten: more than ${this.maxSessions} client sessions were open`,
    }[end.cause];
    const detail = { sessionEnd: { client, ...end } };
    const revoked: string[] = [];
    for (const cid of this.options.sessionDelegations(key)) revoked.push(...(await this.options.revoke(cid, reason, detail)));
    return revoked;
  }

  /** Marks a session seen now (last in the map), and forgets one past the bound. */
  private async seeSession(key: string, client: HookClientName): Promise<void> {
    this.sessionsLastSeen.delete(key);
    this.sessionsLastSeen.set(key, { at: this.now(), client });
    if (this.sessionsLastSeen.size <= this.maxSessions) return;
    const candidates = [...this.sessionsLastSeen.keys()].slice(0, Math.min(EVICTION_CANDIDATES, this.sessionsLastSeen.size - 1));
    const forgotten = candidates.find((k) => this.options.sessionDelegations(k).length === 0) ?? candidates[0]!;
    const seen = this.sessionsLastSeen.get(forgotten)!;
    this.sessionsLastSeen.delete(forgotten);
    await this.revokeSession(forgotten, seen.client, { cause: 'forgotten' });
  }

  private async endIdleSessions(): Promise<void> {
    const oldest = this.now() - this.idleSeconds;
    for (const [key, seen] of this.sessionsLastSeen) {
      // In the order they were last seen: the first one not idle ends the search.
      if (seen.at > oldest) break;
      this.sessionsLastSeen.delete(key);
      await this.revokeSession(key, seen.client, { cause: 'idle' });
    }
  }

  /** The record of a call, made on first sight; forgets calls past their time or over the bound. */
  private remember(key: string): DecidedCall {
    const now = this.now();
    for (const [k, call] of this.calls) {
      if (call.at > now - CALL_MEMORY_SECONDS && this.calls.size < MAX_REMEMBERED_CALLS) break;
      this.calls.delete(k);
    }
    let call = this.calls.get(key);
    if (!call) this.calls.set(key, (call = { at: now, asks: [] }));
    return call;
  }
}

/** The one allowed invocation a call's asks came to, or why there is none to attach an outcome to. */
function matchInvocation(decided: DecidedCall): { invocation: string | null; unmatched?: string } {
  if (decided.forgotAsks) return { invocation: null, unmatched: `more than ${MAX_ASKS_PER_CALL} calls were asked under this tool_use_id, so the outcome is attached to none` };
  if (decided.asks.length === 0) return { invocation: null, unmatched: 'no call of this agent, client and session was asked about under this tool_use_id' };
  const settled = decided.asks.map((a) => a.settled);
  if (settled.some((s) => s === undefined)) return { invocation: null, unmatched: 'the call was still being decided when its outcome arrived' };
  const allowed = settled.filter((s): s is Extract<AuthorizeResult, { decision: 'allow' }> => s?.decision === 'allow');
  if (allowed.length === 0) return { invocation: null, unmatched: 'Signet denied this call, yet an outcome was reported for it' };
  const distinct = new Set(allowed.map((a) => a.invocationCid));
  if (distinct.size > 1) return { invocation: null, unmatched: 'more than one different call was allowed under this tool_use_id, so the outcome is attached to none' };
  return { invocation: allowed[0]!.invocationCid };
}
