// What a `session` approval is bound to. An agent that keeps one connection open (the MCP proxy) has a session as
// long as that connection; a client's hook runs as a new process per call, so its session is the client's own
// (Claude Code's `session_id`, VS Code's `sessionId`, Cursor's `conversation_id`), named here with the client, so
// that one client's session id can never stand for another client's. The agent is bound by the delegation itself,
// whose audience is the agent's DID.
import type { ClientCall } from '../server/protocol';

const CLIENT_SESSION_PREFIX = 'client-session ';

/** The session key of a hook's call, or undefined when the call names no client session. */
export function clientSessionKey(call: Pick<ClientCall, 'client' | 'session'> | undefined): string | undefined {
  return call?.session === undefined ? undefined : `${CLIENT_SESSION_PREFIX}${call.client} ${call.session}`;
}

/** True for a key made by clientSessionKey (never a connection id, which is a bare UUID). */
export function isClientSessionKey(key: string | undefined): boolean {
  return key?.startsWith(CLIENT_SESSION_PREFIX) === true;
}
