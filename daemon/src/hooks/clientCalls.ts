// The daemon's side of the clients' hooks, beyond authorize itself: one decision per client call, the outcome
// of an allowed call appended to the log against it, and client sessions that end.
//
// - One decision per call. VS Code runs Copilot's hooks from `.github/hooks/*.json` and from `.claude/settings.json`,
//   so one tool call can ask twice. A second ask with the same agent, client, session, tool_use_id and the same
//   call gets the first one's answer (the same invocation), never a second prompt or a second record.
// - Outcomes. PostToolUse and Cursor's after-events report what came of a call by its tool_use_id; the record
//   `call.outcome` names the invocation of the allowed call it belongs to, found by agent + client + session +
//   id. An outcome that matches no allowed call, or more than one, is recorded with `invocation: null` and why.
// - Sessions. A `session` approval made from a hook is bound to the client's session (authz/sessionKeys.ts); it
//   ends with the client's session-end event (`session/end`) or after SESSION_IDLE_SECONDS without a call.
import { createHash } from 'node:crypto';
import type { AuditSink } from '../authz/authorizer';
import { clientSessionKey } from '../authz/sessionKeys';
import type { AuthorizeParams, AuthorizeResult, CallOutcomeParams, CallOutcomeResult, ClientCall, SessionEndParams, SessionEndResult } from '../server/protocol';
import type { Connection } from '../server/rpcServer';

/** A client session with no call for this long ends: its session approvals are revoked. */
export const SESSION_IDLE_SECONDS = 60 * 60;
/** How long a decided call is remembered, for its duplicate ask and its outcome. */
const CALL_MEMORY_SECONDS = 60 * 60;
/** A second ask of the same call this soon after the first is the same call asked twice, not a new one. */
const DUPLICATE_ASK_SECONDS = 30;
/** At most this many calls are remembered; the oldest are forgotten first. */
const MAX_REMEMBERED_CALLS = 20_000;

export interface ClientCallsOptions {
  authorize(params: AuthorizeParams, connection: Connection): Promise<AuthorizeResult>;
  audit: AuditSink;
  /** The DID of an agent by name, for the outcome record. */
  agentDid(name: string): string | undefined;
  /** The live delegations bound to a session key. */
  sessionDelegations(key: string): string[];
  revoke(cid: string, reason: string): Promise<string[]>;
  /** Seconds since the epoch. */
  now?: () => number;
  idleSeconds?: number;
}

interface Ask {
  at: number;
  result: Promise<AuthorizeResult>;
  settled?: AuthorizeResult;
}

interface DecidedCall {
  at: number;
  /** Each distinct call asked under this id (normally one), by a digest of what was asked. */
  asks: Map<string, Ask>;
  /** The outcome's record, once one was reported, and a digest of what was reported. */
  outcome?: Promise<CallOutcomeResult>;
  outcomeDigest?: string;
}

function callKey(agent: string, call: ClientCall & { toolUseId: string }): string {
  return JSON.stringify([agent, call.client, call.session ?? null, call.toolUseId]);
}

/** What makes two asks the same call: everything the decision depends on, not only the client's id. */
function askDigest(params: AuthorizeParams): string {
  const { requestId: _requestId, clientCall: _clientCall, ...asked } = params;
  return createHash('sha256').update(JSON.stringify(asked)).digest('hex');
}

export class ClientCalls {
  private readonly calls = new Map<string, DecidedCall>();
  /** The last call of each client session, by session key. */
  private readonly sessionsLastSeen = new Map<string, number>();
  private readonly now: () => number;
  private readonly idleSeconds: number;

  constructor(private readonly options: ClientCallsOptions) {
    this.now = options.now ?? (() => Math.floor(Date.now() / 1000));
    this.idleSeconds = options.idleSeconds ?? SESSION_IDLE_SECONDS;
  }

  /** authorize, once per client call; every call also keeps its client session alive and ends idle ones. */
  async authorize(params: AuthorizeParams, connection: Connection): Promise<AuthorizeResult> {
    await this.endIdleSessions();
    const call = params.clientCall;
    const sessionKey = clientSessionKey(call);
    if (sessionKey) this.sessionsLastSeen.set(sessionKey, this.now());
    if (!call?.toolUseId) return this.options.authorize(params, connection);
    const key = callKey(params.agent, { ...call, toolUseId: call.toolUseId });
    let decided = this.remember(key);
    const digest = askDigest(params);
    const earlier = decided.asks.get(digest);
    // The same call asked again before it ran: the first answer stands. Once its outcome is in, or after a short
    // while, the same id and arguments are a new call (Cursor's ids are made from the call, and can repeat).
    if (earlier && decided.outcome === undefined && earlier.at > this.now() - DUPLICATE_ASK_SECONDS) return earlier.result;
    // Any ask after an outcome is a new call (Cursor's made-up ids repeat within a generation): its outcome must
    // not be taken for the first call's.
    if (earlier || decided.outcome !== undefined) this.calls.set(key, (decided = { at: this.now(), asks: new Map() }));
    const ask: Ask = { at: this.now(), result: this.options.authorize(params, connection) };
    decided.asks.set(digest, ask);
    ask.result.then((result) => (ask.settled = result)).catch(() => decided.asks.delete(digest));
    return ask.result;
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

  /** Ends a client session: every session approval made in it is revoked. */
  async endSession(params: SessionEndParams): Promise<SessionEndResult> {
    const key = clientSessionKey(params.call);
    if (!key) return { revoked: [] };
    this.sessionsLastSeen.delete(key);
    return { revoked: await this.revokeSession(key, `the ${params.call.client} session ended${params.reason ? ` (${params.reason})` : ''}`) };
  }

  private async revokeSession(key: string, reason: string): Promise<string[]> {
    const revoked: string[] = [];
    for (const cid of this.options.sessionDelegations(key)) revoked.push(...(await this.options.revoke(cid, reason)));
    return revoked;
  }

  private async endIdleSessions(): Promise<void> {
    const oldest = this.now() - this.idleSeconds;
    for (const [key, lastSeen] of this.sessionsLastSeen) {
      if (lastSeen > oldest) continue;
      this.sessionsLastSeen.delete(key);
      await this.revokeSession(key, `the client session had no call for ${Math.round(this.idleSeconds / 60)} min`);
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
    if (!call) this.calls.set(key, (call = { at: now, asks: new Map() }));
    return call;
  }
}

/** The one allowed invocation a call's asks came to, or why there is none to attach an outcome to. */
function matchInvocation(decided: DecidedCall): { invocation: string | null; unmatched?: string } {
  if (decided.asks.size === 0) return { invocation: null, unmatched: 'no call of this agent, client and session was asked about under this tool_use_id' };
  const settled = [...decided.asks.values()].map((a) => a.settled);
  if (settled.some((s) => s === undefined)) return { invocation: null, unmatched: 'the call was still being decided when its outcome arrived' };
  const allowed = settled.filter((s): s is Extract<AuthorizeResult, { decision: 'allow' }> => s?.decision === 'allow');
  if (allowed.length === 0) return { invocation: null, unmatched: 'Signet denied this call, yet an outcome was reported for it' };
  const distinct = new Set(allowed.map((a) => a.invocationCid));
  if (distinct.size > 1) return { invocation: null, unmatched: 'more than one different call was allowed under this tool_use_id, so the outcome is attached to none' };
  return { invocation: allowed[0]!.invocationCid };
}
