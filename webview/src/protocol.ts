// The messages between the extension and the audit-timeline webview, in one file that both import.
// Messages cross a trust boundary in both directions (the webview renders log data an agent influenced),
// so each side checks what arrives with the guards below before acting on it.
import { AUDIT_KINDS } from '../../daemon/src/server/auditKinds';
import type { AgentInfo, AuditRecord, AuditVerifyResult, DelegationInfo, Principal } from '../../daemon/src/server/protocol';

/** What the timeline needs of a delegation to draw chains; the envelope is for offline verification. */
export type TimelineDelegation = Pick<DelegationInfo, 'cid' | 'issuer' | 'audience' | 'cmd' | 'scope' | 'exp' | 'parent' | 'revoked' | 'source' | 'token'>;

export type ExtensionToWebview =
  /** Everything at once, after the panel loads and after every reconnect. Records are oldest first. */
  | {
      type: 'init';
      user: Principal | null;
      agents: AgentInfo[];
      delegations: TimelineDelegation[];
      records: AuditRecord[];
      /** True when the log holds more than the daemon returned (the oldest are left out). */
      truncated: boolean;
      /** Show only this agent (name), as when opened from "Show Timeline" on an agent. */
      focusAgent: string | null;
    }
  /** New records from `audit/didAppend`, batched, oldest first. */
  | { type: 'append'; records: AuditRecord[] }
  /** Agents or delegations changed (a new delegation shows up in chains). */
  | { type: 'directory'; agents: AgentInfo[]; delegations: TimelineDelegation[] }
  | { type: 'focusAgent'; agent: string | null }
  | { type: 'connection'; connected: boolean; message: string }
  /** The daemon recomputed the log's Merkle tree and checked its checkpoints (`audit/verify`). */
  | { type: 'logVerification'; result: AuditVerifyResult | null; error: string | null }
  /** The extension's own anchor of the log: whether the log still extends the checkpoint this editor last saw. */
  | { type: 'logAnchor'; state: 'extends' | 'broken' | 'unknown'; label: string; detail: string };

export type WebviewToExtension =
  | { type: 'ready' }
  | { type: 'copy'; text: string }
  /** The person asked for the whole log to be checked again. */
  | { type: 'verifyLog' }
  /** Something went wrong inside the webview; the extension logs it. */
  | { type: 'error'; message: string }
  /** Open the owner policy rule behind an event: a `.cedar` file by absolute path, at a line. */
  | { type: 'openRule'; file: string; line: number };

export { AUDIT_KINDS };

// The checks below are written out rather than taken from the daemon's schemas: the webview is bundled for the
// browser without the schema library (see auditKinds.ts). Each one checks every field the type promises.

const auditKinds: ReadonlySet<string> = new Set(AUDIT_KINDS);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isPrincipal(value: unknown): value is Principal {
  return isObject(value) && typeof value.did === 'string' && typeof value.name === 'string';
}

function isAgentInfo(value: unknown): value is AgentInfo {
  return isObject(value) && typeof value.name === 'string' && typeof value.did === 'string' && typeof value.createdAt === 'string';
}

function isTimelineDelegation(value: unknown): value is TimelineDelegation {
  return (
    isObject(value) &&
    typeof value.cid === 'string' &&
    isPrincipal(value.issuer) &&
    isPrincipal(value.audience) &&
    typeof value.cmd === 'string' &&
    typeof value.scope === 'string' &&
    (value.exp === null || typeof value.exp === 'number') &&
    (value.parent === null || typeof value.parent === 'string') &&
    typeof value.revoked === 'boolean' &&
    (value.source === 'manual' || value.source === 'approval' || value.source === 'subagent') &&
    typeof value.token === 'string'
  );
}

/** The extension's check on every message from the webview. */
export function parseWebviewMessage(value: unknown): WebviewToExtension | undefined {
  if (!isObject(value)) return undefined;
  switch (value.type) {
    case 'ready':
      return { type: 'ready' };
    case 'copy':
      return typeof value.text === 'string' && value.text.length <= 10_000 ? { type: 'copy', text: value.text } : undefined;
    case 'verifyLog':
      return { type: 'verifyLog' };
    case 'error':
      return typeof value.message === 'string' ? { type: 'error', message: value.message.slice(0, 2000) } : undefined;
    case 'openRule':
      return typeof value.file === 'string' && value.file.length <= 4096 && value.file.startsWith('/') && value.file.endsWith('.cedar') && typeof value.line === 'number' && Number.isInteger(value.line) && value.line > 0
        ? { type: 'openRule', file: value.file, line: value.line }
        : undefined;
    default:
      return undefined;
  }
}

export function isAuditRecord(value: unknown): value is AuditRecord {
  return (
    isObject(value) &&
    typeof value.seq === 'number' &&
    typeof value.time === 'string' &&
    (value.agent === null || typeof value.agent === 'string') &&
    typeof value.kind === 'string' &&
    auditKinds.has(value.kind) &&
    isObject(value.data)
  );
}

/** The webview's check on every message from the extension. */
export function parseExtensionMessage(value: unknown): ExtensionToWebview | undefined {
  if (!isObject(value)) return undefined;
  // Entries that fail their check are left out, one by one: a single odd record must not blank the timeline.
  const listOf = <T>(v: unknown, check: (item: unknown) => item is T): T[] | undefined => (Array.isArray(v) ? v.filter(check) : undefined);
  const records = (v: unknown) => listOf(v, isAuditRecord);
  switch (value.type) {
    case 'init': {
      const recs = records(value.records);
      const agents = listOf(value.agents, isAgentInfo);
      const delegations = listOf(value.delegations, isTimelineDelegation);
      if (!recs || !agents || !delegations) return undefined;
      const user = isPrincipal(value.user) ? value.user : null;
      const focusAgent = typeof value.focusAgent === 'string' ? value.focusAgent : null;
      return { type: 'init', user, agents, delegations, records: recs, truncated: value.truncated === true, focusAgent };
    }
    case 'append': {
      const recs = records(value.records);
      return recs ? { type: 'append', records: recs } : undefined;
    }
    case 'directory': {
      const agents = listOf(value.agents, isAgentInfo);
      const delegations = listOf(value.delegations, isTimelineDelegation);
      return agents && delegations ? { type: 'directory', agents, delegations } : undefined;
    }
    case 'focusAgent':
      return { type: 'focusAgent', agent: typeof value.agent === 'string' ? value.agent : null };
    case 'connection':
      return { type: 'connection', connected: value.connected === true, message: typeof value.message === 'string' ? value.message : '' };
    case 'logVerification': {
      const error = typeof value.error === 'string' ? value.error : null;
      const r = value.result;
      if (!isObject(r)) return { type: 'logVerification', result: null, error: error ?? 'no result' };
      if (typeof r.ok !== 'boolean' || typeof r.records !== 'number' || typeof r.rootHash !== 'string' || !Array.isArray(r.problems)) return undefined;
      const problems = r.problems.filter(isObject).map((p) => ({
        seq: typeof p.seq === 'number' ? p.seq : null,
        kind: typeof p.kind === 'string' ? p.kind : '',
        message: typeof p.message === 'string' ? p.message : '',
      }));
      return {
        type: 'logVerification',
        result: { ok: r.ok, records: r.records, rootHash: r.rootHash, problems, verifiedAt: typeof r.verifiedAt === 'string' ? r.verifiedAt : '' },
        error,
      };
    }
    case 'logAnchor': {
      const state = value.state === 'extends' || value.state === 'broken' || value.state === 'unknown' ? value.state : undefined;
      if (!state || typeof value.label !== 'string' || typeof value.detail !== 'string') return undefined;
      return { type: 'logAnchor', state, label: value.label.slice(0, 200), detail: value.detail.slice(0, 4000) };
    }
    default:
      return undefined;
  }
}
