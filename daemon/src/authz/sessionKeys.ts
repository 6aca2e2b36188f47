// What a `session` approval is bound to. An agent that keeps one connection open (the MCP proxy) has a session as
// long as that connection; a client's hook runs as a new process per call, so its session is the client's own
// (Claude Code's `session_id`, VS Code's `sessionId`, Cursor's `conversation_id`), named here with the client and
// the session's main agent (the hook's `--agent`; a subagent's calls belong to the session of the agent it acts
// for). So one client's session id never stands for another client's, and a hook run as one agent can neither use
// nor end another agent's session, even when both name the same session id. The delegation itself binds the agent
// as well: its audience is the agent's DID.
import type { ClientCall } from '../server/protocol';

const CLIENT_SESSION_PREFIX = 'client-session ';

/**
 * The session key of a hook's call made as (or for) `mainAgent`, or undefined when the call names no client
 * session. Agent names have no spaces, so the parts cannot run into each other.
 */
export function clientSessionKey(call: Pick<ClientCall, 'client' | 'session'> | undefined, mainAgent: string): string | undefined {
  return call?.session === undefined ? undefined : `${CLIENT_SESSION_PREFIX}${call.client} ${mainAgent} ${call.session}`;
}

/** True for a key made by clientSessionKey (never a connection id, which is a bare UUID). */
export function isClientSessionKey(key: string | undefined): boolean {
  return key?.startsWith(CLIENT_SESSION_PREFIX) === true;
}

/**
 * The form of a client's own reason for ending its session (Claude Code's SessionEnd `reason`: `clear`, `logout`,
 * `prompt_input_exit`, …). It is recorded as the client's claim in typed data, never as Signet's words, so it is
 * held to a short token: a hook that sends anything else sends no reason. Here, not in protocol.ts, because the
 * lean hook checks it too and must not load the schema library.
 */
export const CLIENT_REASON_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
