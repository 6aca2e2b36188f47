// The Signet SDK, for homegrown agents and for tool authors. This is the package's public entry point (the one
// barrel of this folder):
//
//   const signet = await connect();                       // the running daemon of ~/.signet (or SIGNET_HOME)
//   const answer = await signet.authorize('bot', '/mcp/tools/call', { server: 'fs', tool: 'write_file', … });
//   if (answer.decision === 'allow') send(answer.invocation, answer.proofs);
//
// and on the tool's side, offline, with public keys only:
//
//   const check = verifySignetInvocation(request.params._meta, { trustedRoot: 'did:key:z6Mk…' /* the user */ });
//   if (!check.ok) refuse(check.error.message);
import { resolve } from 'node:path';
import { DaemonClient, DaemonConnectionError } from '../client/daemonClient';
import { readRuntimeFile, resolveHome } from '../home/signetHome';
import { INVOCATION_META_KEY, type SignetInvocationMeta } from '../mcp/gatedRequests';
import type { AuthorizeResult, DelegationInfo, DelegationIssueParams } from '../server/protocol';
import { validateInvocation, type InvocationPayload, type UcanErrorName } from '../ucan/index';

export { DaemonConnectionError, DaemonProtocolError, DaemonRequestError, RequestTooLargeError, UnserializableRequestError } from '../client/daemonClient';
export { INVOCATION_META_KEY, type SignetInvocationMeta } from '../mcp/gatedRequests';
export { FileNonceLedger, MemoryNonceLedger, type NonceLedger } from '../mcp/guardNonceLedger';
export { InvocationGuard, type GuardErrorName, type VerifiedCaller } from '../mcp/mcpGuard';
export {
  createSignetGuard,
  protectMcpServer,
  signetCaller,
  verifySignetRequest,
  type ConnectableServer,
  type SignetGuardOptions,
  type SignetRequestCheck,
} from './mcpMiddleware';
export type { AuthorizeResult, DelegationInfo, DelegationIssueParams, DenyCode } from '../server/protocol';

export interface SignetConnectOptions {
  /** The Signet home whose daemon to use; `SIGNET_HOME` or `~/.signet` by default. */
  home?: string;
  /** Connect to this port with this agent token instead of reading the home's daemon.json. */
  port?: number;
  token?: string;
}

export interface AuthorizeOptions {
  /**
   * Relative paths in `args` are resolved against this folder (itself taken against this process's working
   * directory when relative); the daemon's default otherwise.
   */
  workspace?: string;
  /** Create the agent's identity on first use (audited). */
  createAgent?: boolean;
}

/** An agent-side connection to the daemon: it can ask for rights and delegate what its agents hold, never approve. */
export class SignetClient {
  constructor(private readonly client: DaemonClient) {}

  /**
   * Asks whether `agent` may run `cmd` with `args`. Waits while a person decides an approval prompt. Resolves to
   * the decision; rejects only when the daemon cannot be asked (treat that as a refusal).
   */
  authorize(agent: string, cmd: string, args: Record<string, unknown>, options: AuthorizeOptions = {}): Promise<AuthorizeResult> {
    const { workspace, ...rest } = options;
    return this.client.request('authz/authorize', { agent, cmd, args, ...rest, ...(workspace === undefined ? {} : { workspace: resolve(workspace) }) });
  }

  /** Delegates onward from an agent, within what that agent holds (the daemon refuses an escalation). */
  delegate(params: DelegationIssueParams): Promise<DelegationInfo> {
    return this.client.request('delegation/issue', params);
  }

  onClose(handler: (reason: string) => void): () => void {
    return this.client.onClose(handler);
  }

  close(): void {
    this.client.close();
  }
}

/** Connects to the running daemon with the agent token. Rejects with DaemonConnectionError when none runs. */
export async function connect(options: SignetConnectOptions = {}): Promise<SignetClient> {
  if (options.port !== undefined && options.token !== undefined) {
    return new SignetClient(await DaemonClient.connect({ port: options.port, token: options.token }));
  }
  const home = resolveHome(options.home);
  const runtime = await readRuntimeFile(home);
  if (!runtime) {
    throw new DaemonConnectionError(`no Signet daemon is running for ${home}; start one with \`signet daemon\` (or open VS Code with the Signet extension)`);
  }
  return new SignetClient(await DaemonClient.connect({ port: runtime.port, token: runtime.agentToken }));
}

export interface VerifyOptions {
  /** The DID (or DIDs) a chain must start from: the user whose Signet issued the rights (`signet status` shows it). */
  trustedRoot: string | readonly string[];
  /**
   * DIDs naming this tool, for invocations addressed to an executor (`aud`). An invocation addressed to anyone
   * else than these or its subject is refused.
   */
  audience?: readonly string[];
  /** Unix seconds; now by default. */
  now?: number;
  /**
   * Refuse an invocation for another command, tool or arguments than the request it came with. `arguments` are
   * the call's own (`params.arguments` of a tools/call): they must equal, value for value, the arguments the agent
   * signed, which a Signet proxy forwards exactly, paths canonical.
   */
  expect?: { cmd?: string; tool?: string; arguments?: Record<string, unknown> };
  /** Replay protection: return true when this invoker already used this nonce (and remember it otherwise). */
  nonceSeen?: (issuer: string, nonce: Uint8Array) => boolean;
}

export type VerifyErrorName = UcanErrorName | 'MissingInvocation' | 'UntrustedRoot' | 'UnexpectedCommand' | 'UnexpectedArguments';

export type VerifyResult =
  | {
      ok: true;
      /** The DID of the agent that signed the invocation. */
      issuer: string;
      /** The root of the chain (equal to `trustedRoot`). */
      subject: string;
      cmd: string;
      /** The arguments as the daemon checked and signed them (paths canonical). */
      args: Record<string, unknown>;
      /** CIDs of the delegations, root first (the `prf` order); empty for a call the user made itself. */
      chain: string[];
      invocation: InvocationPayload;
    }
  | { ok: false; error: { name: VerifyErrorName; message: string } };

function fail(name: VerifyErrorName, message: string): VerifyResult {
  return { ok: false, error: { name, message } };
}

function invocationMetaOf(meta: unknown): SignetInvocationMeta | undefined {
  if (!meta || typeof meta !== 'object') return undefined;
  const candidate = INVOCATION_META_KEY in meta ? (meta as Record<string, unknown>)[INVOCATION_META_KEY] : meta;
  if (!candidate || typeof candidate !== 'object') return undefined;
  const { invocation, proofs } = candidate as Record<string, unknown>;
  if (typeof invocation !== 'string' || !Array.isArray(proofs) || !proofs.every((p) => typeof p === 'string')) return undefined;
  return candidate as SignetInvocationMeta;
}

function fromBase64(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'base64'));
}

/**
 * Checks, offline, the invocation a Signet proxy put in a request's `_meta`: every signature, the chain's
 * links, time bounds and policies (UCAN 1.0 validation), and that the chain starts at `trustedRoot`. Accepts
 * the request's whole `_meta` or its `signet/invocation` value.
 */
export function verifySignetInvocation(meta: unknown, options: VerifyOptions): VerifyResult {
  const found = invocationMetaOf(meta);
  if (!found) return fail('MissingInvocation', `the request carries no "${INVOCATION_META_KEY}" in _meta; it did not come through Signet`);
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const result = validateInvocation(fromBase64(found.invocation), found.proofs.map(fromBase64), {
    now,
    executor: options.audience ?? [],
    ...(options.nonceSeen ? { nonceSeen: options.nonceSeen } : {}),
  });
  if (!result.ok) return fail(result.error.name, result.error.message);
  const trusted = typeof options.trustedRoot === 'string' ? [options.trustedRoot] : options.trustedRoot;
  // Validation holds the root to be issued by the subject (or the invoker to be the subject, without proofs).
  const root = result.chain[0]?.payload.iss ?? result.invocation.iss;
  if (!trusted.includes(root) || !trusted.includes(result.invocation.sub)) {
    return fail('UntrustedRoot', `the chain starts at ${root}, not at the trusted root ${trusted.join(', ')}`);
  }
  if (options.expect?.cmd !== undefined && result.invocation.cmd !== options.expect.cmd) {
    return fail('UnexpectedCommand', `the invocation is for ${result.invocation.cmd}, not ${options.expect.cmd}`);
  }
  if (options.expect?.tool !== undefined && result.invocation.args.tool !== options.expect.tool) {
    return fail('UnexpectedCommand', `the invocation is for the tool ${String(result.invocation.args.tool)}, not ${options.expect.tool}`);
  }
  if (options.expect?.arguments !== undefined && !sameValue(result.invocation.args.arguments, options.expect.arguments)) {
    return fail('UnexpectedArguments', 'the call\'s arguments are not the ones the invocation was signed for');
  }
  return {
    ok: true,
    issuer: result.invocation.iss,
    subject: result.invocation.sub,
    cmd: result.invocation.cmd,
    args: result.invocation.args,
    chain: result.chain.map((link) => link.cid),
    invocation: result.invocation,
  };
}

/** JSON-like deep equality, key order aside; an integer decoded as a bigint equals the same number. */
function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a === 'bigint' || typeof b === 'bigint') return (typeof a === 'bigint' || typeof a === 'number') && (typeof b === 'bigint' || typeof b === 'number') && BigInt(a) === BigInt(b);
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return Object.is(a, b);
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => sameValue(item, b[i]));
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  return keysA.length === keysB.length && keysA.every((k) => Object.hasOwn(b, k) && sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
