// A report a reviewer can read, built from the audit log alone: what an agent did (files it touched, tools it
// called, commands it ran), what it was refused, every approval and who gave it, the delegations it held with
// their CIDs, and how to check all of it offline. Meant to be pasted into a pull request description.
// Pure: the CLI reads the records from the log files, the extension from the daemon.
import { describeDecider } from '../approvals/deciderText';
import { UNCLASSIFIED_MARK } from '../authz/canonicalPaths';
import { AGENT_PROOF_COMMAND, GIT_COMMIT_SIGN_COMMAND, type AuditRecord } from '../server/protocol';

export interface ReportOptions {
  /** The agent's name or DID; all agents when absent. */
  agent?: string;
  /** Only records at or after this time (ms since the epoch). */
  sinceMs?: number;
}

export interface AgentReport {
  agents: { name: string; did: string }[];
  period: { from: string; to: string } | undefined;
  /** Path → how many allowed calls touched it. */
  files: Map<string, number>;
  /** `server/tool` or command → how many allowed calls. */
  tools: Map<string, number>;
  /** Shell commands the agent ran through a hook, in order. */
  commands: string[];
  refused: { time: string; agent: string; what: string; why: string }[];
  approvals: { time: string; agent: string; what: string; decision: string; decidedBy: string }[];
  delegations: { time: string; cid: string; from: string; to: string; scope: string; revoked: boolean }[];
  /** Commits signed through `signet git-sign`, with the invocation their trailer names. */
  commits: { time: string; signer: string; commit: string; repo: string; branch: string; invocation: string }[];
  /** The last seq the report read, for `signet audit prove --seq`. */
  lastSeq: number | undefined;
}

type Data = Record<string, unknown>;

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

function record(value: unknown): Data | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Data) : undefined;
}

/** What a request asked for, in a few words: `write_file on fs`, or the command for a hook call. */
/**
 * The paths an allowed call names. Signet's own commands carry Signet's words besides (a branch, who asked for a
 * proof), which the path check lists as strings it could not tell from paths; they are no files.
 */
function touchedPaths(cmd: unknown, args: Record<string, unknown>): string[] {
  const own = cmd === GIT_COMMIT_SIGN_COMMAND || cmd === AGENT_PROOF_COMMAND;
  const paths = Array.isArray(args._paths) ? args._paths.filter((p): p is string => typeof p === 'string') : [];
  return own ? paths.filter((p) => !p.startsWith(UNCLASSIFIED_MARK)) : paths;
}

export function describeCall(cmd: unknown, args: unknown): string {
  const a = record(args) ?? {};
  const tool = text(a.tool);
  const server = text(a.server);
  if (tool && server) return `${tool} on ${server}`;
  if (tool) return tool;
  return text(cmd) ?? 'an unknown command';
}

function increment(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

export function buildAgentReport(records: readonly AuditRecord[], options: ReportOptions = {}): AgentReport {
  const names = new Map<string, string>();
  for (const r of records) {
    if (r.kind === 'identity.created' && text(r.data.did) && text(r.data.name)) names.set(r.data.did as string, r.data.name as string);
  }
  const nameOf = (did: unknown) => (typeof did === 'string' ? (names.get(did) ?? did) : 'someone');
  const wanted = options.agent ? ([...names].find(([did, name]) => name === options.agent || did === options.agent)?.[0] ?? options.agent) : undefined;
  const selected = records.filter((r) => (wanted === undefined || r.agent === wanted) && (options.sinceMs === undefined || Date.parse(r.time) >= options.sinceMs));

  const report: AgentReport = { agents: [], period: undefined, files: new Map(), tools: new Map(), commands: [], refused: [], approvals: [], delegations: [], commits: [], lastSeq: undefined };
  const requests = new Map<string, string>();
  const revoked = new Set<string>();
  for (const r of selected) if (r.kind === 'delegation.revoked' && text(r.data.cid)) revoked.add(r.data.cid as string);
  const agents = new Set<string>();
  for (const r of selected) {
    if (r.agent) agents.add(r.agent);
    report.lastSeq = r.seq;
    const when = r.time;
    switch (r.kind) {
      case 'authorize.allowed': {
        const args = record(r.data.args) ?? {};
        for (const path of touchedPaths(r.data.cmd, args)) increment(report.files, path);
        increment(report.tools, describeCall(r.data.cmd, args));
        const command = text(record(args.input)?.command);
        if (command) report.commands.push(command);
        break;
      }
      case 'authorize.denied':
        report.refused.push({ time: when, agent: nameOf(r.agent), what: describeCall(r.data.cmd, r.data.args), why: text(r.data.reason) ?? text(r.data.code) ?? 'denied' });
        break;
      case 'approval.requested':
        if (text(r.data.approvalId)) requests.set(r.data.approvalId as string, describeCall(r.data.cmd, r.data.args));
        break;
      case 'approval.decided':
        report.approvals.push({
          time: when,
          agent: nameOf(r.agent),
          what: requests.get(text(r.data.approvalId) ?? '') ?? 'a request',
          decision: text(r.data.decision) ?? '?',
          decidedBy: r.data.outcome !== undefined && r.data.outcome !== 'decided' ? `no one (${text(r.data.outcome) ?? '?'})` : describeDecider(r.data.decider, r.data.decidedBy),
        });
        break;
      case 'delegation.issued': {
        const cid = text(r.data.cid) ?? '?';
        report.delegations.push({ time: when, cid, from: nameOf(r.data.iss), to: nameOf(r.data.aud), scope: text(r.data.scope) ?? text(r.data.cmd) ?? '', revoked: revoked.has(cid) });
        break;
      }
      case 'git.commit.signed':
        report.commits.push({
          time: when,
          signer: text(r.data.as) === 'user' ? `user (asked by ${text(r.data.claimedBy) ?? '?'})` : nameOf(r.agent),
          commit: text(r.data.commit) ?? '?',
          repo: text(r.data.repo) ?? '?',
          branch: text(r.data.branch) ?? '?',
          invocation: text(r.data.invocation) ?? '?',
        });
        break;
      default:
        break;
    }
  }
  report.agents = [...agents].map((did) => ({ name: nameOf(did), did }));
  const first = selected[0];
  const last = selected.at(-1);
  if (first && last) report.period = { from: first.time, to: last.time };
  return report;
}

/** One part of the report, rendered the same way as Markdown and as HTML. */
type Section =
  | { title: string; table: { header: string[]; rows: string[][] } }
  | { title: string; list: string[] }
  | { title: string; intro: string; code: string[] };

function counted(map: Map<string, number>): string[][] {
  return [...map].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([key, n]) => [key, String(n)]);
}

function sections(report: AgentReport): Section[] {
  return [
    { title: 'Files touched', table: { header: ['path', 'allowed calls'], rows: counted(report.files) } },
    { title: 'Tools called', table: { header: ['tool', 'allowed calls'], rows: counted(report.tools) } },
    { title: 'Commands run', list: report.commands },
    { title: 'Refused', table: { header: ['time', 'agent', 'request', 'why'], rows: report.refused.map((r) => [r.time, r.agent, r.what, r.why]) } },
    {
      title: 'Approvals',
      table: { header: ['time', 'agent', 'request', 'decision', 'decided by'], rows: report.approvals.map((a) => [a.time, a.agent, a.what, a.decision, a.decidedBy]) },
    },
    {
      title: 'Delegations',
      table: {
        header: ['time', 'from → to', 'scope', 'CID', 'state'],
        rows: report.delegations.map((d) => [d.time, `${d.from} → ${d.to}`, d.scope, d.cid, d.revoked ? 'revoked' : 'issued']),
      },
    },
    {
      title: 'Signed commits',
      table: { header: ['time', 'signed by', 'commit', 'repository', 'branch', 'invocation'], rows: report.commits.map((c) => [c.time, c.signer, c.commit, c.repo, c.branch, c.invocation]) },
    },
    {
      title: 'Check it yourself',
      intro: 'Every line above comes from an append-only audit log whose records are hashed into a Merkle tree with signed checkpoints:',
      code: [
        'signet audit verify --checkpoint saved.checkpoint   # the log only grew since the checkpoint you saved',
        ...(report.lastSeq !== undefined ? [`signet audit prove --seq ${report.lastSeq}            # the last record read here is in that tree`] : []),
        'signet verify --invocation <b64> --proofs <b64>,…   # any allowed call, offline, with public keys only',
        ...(report.commits.length ? ['signet git verify <base>..HEAD                      # each signed commit: signer, signature, chain, audit record'] : []),
      ],
    },
  ];
}

function heading(report: AgentReport): { agents: string; period: string } {
  return {
    agents: report.agents.length ? report.agents.map((a) => `${a.name} (${a.did})`).join(', ') : 'no agent',
    period: report.period ? `${report.period.from} – ${report.period.to}` : 'no records',
  };
}

/** Markdown table cells hold no pipes or line breaks. */
function cell(value: string): string {
  return value.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** A code span on one line; a backtick inside would end it. */
function code(value: string): string {
  return `\`${value.replace(/\r?\n/g, ' ').replace(/`/g, "'")}\``;
}

export function formatReportMarkdown(report: AgentReport): string {
  const { agents, period } = heading(report);
  const lines = ['## Signet report', '', `Agents: ${cell(agents)}`, `Period: ${period}`];
  for (const section of sections(report)) {
    lines.push('', `### ${section.title}`);
    if ('table' in section) {
      const { header, rows } = section.table;
      if (rows.length === 0) lines.push('(none)');
      else lines.push(`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`));
    } else if ('list' in section) {
      lines.push(...(section.list.length ? section.list.map((item) => `- ${code(item)}`) : ['(none)']));
    } else {
      lines.push(section.intro, '', '```sh', ...section.code, '```');
    }
  }
  return `${lines.join('\n')}\n`;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const html = (value: string) => value.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/** A standalone HTML page: everything escaped, no scripts, no outside resources. */
export function formatReportHtml(report: AgentReport): string {
  const { agents, period } = heading(report);
  const parts = [`<h2>Signet report</h2>`, `<p>Agents: ${html(agents)}<br>Period: ${html(period)}</p>`];
  for (const section of sections(report)) {
    parts.push(`<h3>${html(section.title)}</h3>`);
    if ('table' in section) {
      const { header, rows } = section.table;
      parts.push(
        rows.length === 0
          ? '<p>(none)</p>'
          : `<table><tr>${header.map((h) => `<th>${html(h)}</th>`).join('')}</tr>${rows.map((row) => `<tr>${row.map((c) => `<td>${html(c)}</td>`).join('')}</tr>`).join('')}</table>`,
      );
    } else if ('list' in section) {
      parts.push(section.list.length ? `<ul>${section.list.map((item) => `<li><code>${html(item)}</code></li>`).join('')}</ul>` : '<p>(none)</p>');
    } else {
      parts.push(`<p>${html(section.intro)}</p><pre>${html(section.code.join('\n'))}</pre>`);
    }
  }
  return `<!doctype html>\n<html><head><meta charset="utf-8"><title>Signet report</title></head>\n<body>\n${parts.join('\n')}\n</body></html>\n`;
}
