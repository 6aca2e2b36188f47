// The hook's one connection to signetd: connect, ask, close. A client runs its hook as a new process for every
// tool call, so what this file loads is paid on every call: it reads the runtime file and speaks JSON-RPC over a
// minimal WebSocket client (miniWebSocket.ts) itself, with the few checks its three answers need written out, rather than loading the protocol's schemas
// and the long-lived client (daemon/src/client/), which cost more to load than a call costs to decide.
//
// It fails closed: whenever no daemon answers, or answers something this file does not recognise, `authorize`
// resolves to a denial that says why; reports (outcomes, session ends) are best effort and never throw.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { probeMarkerFromEnv } from '../authz/probeRequests';
import { connectMiniWebSocket, type MiniWebSocket } from './miniWebSocket';
import type { AuthorizeParams, AuthorizeResult, CallOutcomeParams, SessionEndParams } from '../server/protocol';

/** What the hook asks of the daemon. */
export interface HookDaemon {
  authorize(params: AuthorizeParams): Promise<AuthorizeResult>;
  /** Records an outcome; resolves to the allowed call's invocation CID (null when none matched), or an error text. */
  reportOutcome(params: CallOutcomeParams): Promise<{ invocation: string | null } | { error: string }>;
  endSession(params: SessionEndParams): Promise<{ revoked: string[] } | { error: string }>;
  /** Starts connecting now, so that the connection is being made while the hook reads its input. */
  warm(): void;
  close(): void;
}

interface RuntimeFile {
  port: number;
  pid: number;
  agentToken: string;
}

class RpcAnswerError extends Error {
  constructor(
    message: string,
    readonly fix: string | undefined,
  ) {
    super(message);
  }
}

async function readRuntime(home: string): Promise<RuntimeFile> {
  const path = join(home, 'daemon.json');
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch {
    throw new Error(`no Signet daemon is running for ${home}`);
  }
  const r = parsed as Partial<RuntimeFile>;
  if (!Number.isInteger(r.port) || !Number.isInteger(r.pid) || typeof r.agentToken !== 'string') throw new Error(`${path} is not a Signet runtime file`);
  try {
    process.kill(r.pid!, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') throw new Error(`no Signet daemon is running for ${home} (pid ${r.pid} has exited)`);
  }
  return r as RuntimeFile;
}

async function connect(runtime: RuntimeFile, timeoutMs: number): Promise<MiniWebSocket> {
  try {
    return await connectMiniWebSocket(runtime.port, { authorization: `Bearer ${runtime.agentToken}` }, timeoutMs);
  } catch (error) {
    throw new Error(`cannot connect to signetd on port ${runtime.port}: ${(error as Error).message}`);
  }
}

/** The hook's link to the daemon of `home`: one WebSocket, opened on the first request. */
export function hookDaemon(home: string, connectTimeoutMs = 3000): HookDaemon {
  let socket: Promise<MiniWebSocket> | undefined;
  let nextId = 1;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  const open = () =>
    (socket ??= readRuntime(home)
      .then((runtime) => connect(runtime, connectTimeoutMs))
      .then((ws) => {
        ws.onMessage(answer);
        ws.onClose(() => failAll('the connection to the Signet daemon was lost before it answered'));
        return ws;
      }));
  const answer = (text: string) => {
    let frame: { id?: unknown; result?: unknown; error?: { message?: unknown; data?: { fix?: unknown } } };
    try {
      frame = JSON.parse(text);
    } catch {
      return;
    }
    const entry = typeof frame.id === 'number' ? pending.get(frame.id) : undefined;
    if (!entry) return;
    pending.delete(frame.id as number);
    if (frame.error) entry.reject(new RpcAnswerError(String(frame.error.message ?? 'an error'), typeof frame.error.data?.fix === 'string' ? frame.error.data.fix : undefined));
    else entry.resolve(frame.result);
  };
  const failAll = (reason: string) => {
    for (const entry of pending.values()) entry.reject(new Error(reason));
    pending.clear();
  };
  const request = async (method: string, params: unknown): Promise<unknown> => {
    const ws = await open();
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    });
  };
  const report = async <T>(method: string, params: unknown, check: (r: unknown) => T | undefined): Promise<T | { error: string }> => {
    try {
      return check(await request(method, params)) ?? { error: `signetd answered ${method} in a form this hook does not know` };
    } catch (error) {
      return { error: (error as Error).message };
    }
  };
  // Set when `signet doctor` runs this hook as a probe: the daemon then refuses at once and asks no one.
  const probe = probeMarkerFromEnv(process.env);
  return {
    async authorize(params) {
      try {
        return authorizeAnswer(await request('authz/authorize', probe ? { ...params, probe } : params));
      } catch (error) {
        if (error instanceof RpcAnswerError) return { decision: 'deny', code: 'internal-error', reason: `signetd could not check this call: ${error.message}${error.fix ? ` (${error.fix})` : ''}` };
        return { decision: 'deny', code: 'disconnected', reason: unreachableReason(home, error) };
      }
    },
    reportOutcome: (params) => report('call/outcome', params, (r) => (isObject(r) && (typeof r.invocation === 'string' || r.invocation === null) ? { invocation: r.invocation } : undefined)),
    endSession: (params) => report('session/end', params, (r) => (isObject(r) && Array.isArray(r.revoked) ? { revoked: r.revoked.map(String) } : undefined)),
    warm() {
      open().catch(() => undefined);
    },
    // The hook exits right after: the connection is dropped rather than closed with a handshake it would wait for.
    close() {
      void socket?.then((ws) => ws.terminate()).catch(() => undefined);
    },
  };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The daemon's answer to authorize, when it has the shape of one; anything else is a denial. */
function authorizeAnswer(result: unknown): AuthorizeResult {
  if (isObject(result) && result.decision === 'allow' && typeof result.invocationCid === 'string' && typeof result.invocation === 'string' && isObject(result.args) && Array.isArray(result.chain)) {
    return result as AuthorizeResult;
  }
  if (isObject(result) && result.decision === 'deny' && typeof result.reason === 'string' && typeof result.code === 'string') return result as AuthorizeResult;
  return { decision: 'deny', code: 'internal-error', reason: 'signetd answered in a way this hook does not understand, so the call was refused' };
}

/**
 * What a `disconnected` denial says happened to the call. A caller that hands the decision over instead (a hook
 * with `--fallback ask`) replaces these, so that its reason does not say "refused" about a call that was not.
 */
export const REFUSED = 'so the call was refused';
export const NO_ONE_TO_ASK = `No one can approve this call, ${REFUSED}.`;

/** Why a call was refused when no daemon could be asked (also the MCP proxy's wording, daemon/src/mcp/daemonLink.ts). */
export function unreachableReason(home: string, error: unknown): string {
  const detail = (error as Error)?.message ?? String(error);
  const where = detail.includes(home) ? '' : ` (Signet home ${home})`;
  return `the Signet daemon is not reachable: ${detail}${where}. ${NO_ONE_TO_ASK} Start the daemon with \`signet daemon\` or open VS Code with the Signet extension, then try again.`;
}
