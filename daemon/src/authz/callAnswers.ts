// How a call is answered: an allow signs the invocation over the canonical arguments and audits it with its chain;
// a deny is audited with its code. And the arguments are made canonical here first, or the call is denied.
import type { AgentInfo, AuthorizeParams, AuthorizeResult, DenyCode, PathRefusalDetail } from '../server/protocol';
import { cidOf, encodeInvocationWith } from '../ucan/index';
import { AUDIT_TOKEN_LIMIT, auditableArgs, type AuditedPolicy } from './auditDigests';
import { canonicalizeArgs, PathRefusal, type CanonicalArgs } from './canonicalPaths';
import { DelegationAdmin } from './delegationAdmin';
import type { StoredDelegation } from './delegationStore';
import { freshNonce } from './freshNonce';

/** How long a signed invocation may be presented to a tool. */
const INVOCATION_LIFETIME_SECONDS = 300;
/** The field the daemon adds to every invocation's args: all canonical paths, for path-scoped policies. */
export const PATHS_FIELD = '_paths';

/**
 * An answer as callers inside the daemon get it: an allow also names the single-use delegations this very
 * authorize used up, so that a caller (the commit signer) can tell them from a link a person revoked meanwhile.
 * `wireAnswer` leaves that out of what goes to a client.
 */
export type AuthorizeAnswer = AuthorizeResult & { usedUp?: string[] };

export function wireAnswer(answer: AuthorizeAnswer): AuthorizeResult {
  if (answer.decision !== 'allow' || answer.usedUp === undefined) return answer;
  const { usedUp: _usedUp, ...wire } = answer;
  return wire;
}

export abstract class CallAnswers extends DelegationAdmin {
  protected async allow(agent: AgentInfo, cmd: string, args: Record<string, unknown>, chain: StoredDelegation[], approvalId?: string, policy?: AuditedPolicy): Promise<AuthorizeAnswer> {
    const signer = await this.identities.signerFor(agent.name);
    const now = this.now();
    // `chain` is found leaf first; `prf` lists it root first, as UCAN 1.0 orders it (invocation spec §Proofs).
    const prf = [...chain].reverse();
    const invocation = encodeInvocationWith(
      {
        iss: agent.did,
        sub: this.identities.user.did,
        cmd,
        args,
        prf: prf.map((d) => d.cid),
        nonce: freshNonce(),
        exp: now + INVOCATION_LIFETIME_SECONDS,
        iat: now,
      },
      signer,
    );
    const invocationCid = cidOf(invocation);
    const usedUp = chain.filter((d) => d.singleUse);
    if (usedUp.length) await this.delegations.markRevoked(usedUp);
    const token = Buffer.from(invocation).toString('base64');
    await this.audit.append({
      agent: agent.did,
      kind: 'authorize.allowed',
      data: {
        cmd,
        args: auditableArgs(args),
        invocation: invocationCid,
        // The envelope itself, so that a reader (the timeline) can re-verify the agent's signature; left
        // out when large arguments make it big, and the CID still names it.
        ...(token.length <= AUDIT_TOKEN_LIMIT ? { token } : {}),
        // Leaf first, from the agent up to the user, as the log has always recorded it (not the `prf` order).
        chain: chain.map((d) => d.cid),
        ...(approvalId ? { approvalId } : {}),
        ...(usedUp.length ? { usedUp: usedUp.map((d) => d.cid) } : {}),
        ...(policy ? { policy } : {}),
      },
    });
    return {
      decision: 'allow',
      invocation: token,
      invocationCid,
      chain: prf.map((d) => d.cid),
      proofs: prf.map((d) => this.tokenText(d)),
      args,
      ...(approvalId ? { approvalId } : {}),
      usedUp: usedUp.map((d) => d.cid),
    };
  }

  protected async deny(agent: AgentInfo | null, params: AuthorizeParams, code: DenyCode, reason: string, approvalId?: string, path?: PathRefusalDetail, policy?: AuditedPolicy): Promise<AuthorizeResult> {
    await this.audit.append({
      agent: agent?.did ?? null,
      kind: 'authorize.denied',
      data: { agentName: params.agent, cmd: params.cmd, args: auditableArgs(params.args), code, reason, ...(approvalId ? { approvalId } : {}), ...(path ? { path } : {}), ...(policy ? { policy } : {}) },
    });
    return { decision: 'deny', code, reason, ...(approvalId ? { approvalId } : {}), ...(path ? { path } : {}) };
  }

  /** The call's arguments with every path canonical, or the denial when one cannot be made canonical. */
  protected async canonicalise(agent: AgentInfo, params: AuthorizeParams, workspace: string): Promise<CanonicalArgs | AuthorizeResult> {
    try {
      return await canonicalizeArgs(params.args, workspace, argumentsSchema(params.cmd, params.inputSchema));
    } catch (error) {
      if (error instanceof PathRefusal) return this.deny(agent, params, 'path-refused', error.message, undefined, error.detail);
      return this.deny(agent, params, 'invalid-arguments', `the arguments could not be canonicalised: ${(error as Error).message}`);
    }
  }
}

const TEXT_SCHEMA = { type: 'string' } as const;

/**
 * The JSON Schema of a whole `authorize` args object: the envelope each kind of call has (server and tool names are
 * text), with the tool's own input schema where its arguments sit.
 */
function argumentsSchema(cmd: string, inputSchema: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  const slot = (properties: Record<string, unknown>) => ({ type: 'object', properties });
  if (cmd === '/mcp/tools/call' || cmd === '/mcp/prompts/get') {
    return slot({ server: TEXT_SCHEMA, tool: TEXT_SCHEMA, prompt: TEXT_SCHEMA, ...(inputSchema ? { arguments: inputSchema } : {}) });
  }
  if (cmd === '/mcp/resources/read') return slot({ server: TEXT_SCHEMA, uri: { type: 'string', format: 'uri' } });
  // A client hook's call: the tool's name, the skill whose `!` line it is, the MCP server Cursor names, all text.
  if (/^\/(claude-code|vscode|cursor)\/tools\//.test(cmd)) {
    return slot({ tool: TEXT_SCHEMA, server: TEXT_SCHEMA, via: slot({ skill: TEXT_SCHEMA, invokedBy: TEXT_SCHEMA }), ...(inputSchema ? { input: inputSchema } : {}) });
  }
  return inputSchema;
}
