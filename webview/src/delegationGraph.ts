// The delegation graph's data: the user at the root, the agents below by how far they are from it, and an edge per
// delegation (issuer → audience) with its command and scope, marked live, revoked or expired. Pure layout in an
// abstract grid, so it is tested under plain Node; main.ts draws it as SVG.
import type { TimelineDelegation } from './protocol';

export type EdgeState = 'live' | 'revoked' | 'expired';

export interface GraphNode {
  did: string;
  name: string;
  /** 0 for the user, 1 for agents the user delegated to, and so on; agents with no delegation sit in the last row. */
  level: number;
  /** Position within its level, 0-based. */
  slot: number;
}

export interface GraphEdge {
  cid: string;
  from: string;
  to: string;
  cmd: string;
  scope: string;
  state: EdgeState;
  /** Among edges between the same two nodes, which one this is (0, 1, …), so that they are drawn apart. */
  lane: number;
}

export interface DelegationGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
  levels: number;
  /** The most nodes in one level, for the drawing's width. */
  widest: number;
}

/** Edges beyond this many are left out (the oldest first), and the drawing says so. */
export const MAX_EDGES = 80;

export function edgeState(d: Pick<TimelineDelegation, 'revoked' | 'exp'>, nowSeconds: number): EdgeState {
  if (d.revoked) return 'revoked';
  if (d.exp !== null && d.exp <= nowSeconds) return 'expired';
  return 'live';
}

export function delegationGraph(user: { did: string; name: string } | null, agents: readonly { did: string; name: string }[], delegations: readonly TimelineDelegation[], nowSeconds: number): DelegationGraph & { leftOut: number } {
  const names = new Map<string, string>(agents.map((a) => [a.did, a.name]));
  const shown = delegations.slice(-MAX_EDGES);
  for (const d of shown) for (const p of [d.issuer, d.audience]) if (!names.has(p.did)) names.set(p.did, p.name);
  const root = user?.did ?? shown.find((d) => d.parent === null)?.issuer.did;
  if (root) names.set(root, 'user');
  // Levels by breadth-first search from the user along the delegations.
  const level = new Map<string, number>();
  if (root) level.set(root, 0);
  for (let frontier = root ? [root] : []; frontier.length; ) {
    const next: string[] = [];
    for (const did of frontier) {
      for (const d of shown) {
        if (d.issuer.did === did && !level.has(d.audience.did)) {
          level.set(d.audience.did, (level.get(did) ?? 0) + 1);
          next.push(d.audience.did);
        }
      }
    }
    frontier = next;
  }
  const deepest = Math.max(0, ...level.values());
  const orphanLevel = deepest + 1;
  const byLevel = new Map<number, string[]>();
  for (const did of [...names.keys()].sort((a, b) => (names.get(a) ?? '').localeCompare(names.get(b) ?? ''))) {
    const l = level.get(did) ?? orphanLevel;
    byLevel.set(l, [...(byLevel.get(l) ?? []), did]);
  }
  const nodes: GraphNode[] = [];
  const levels = [...byLevel.keys()].sort((a, b) => a - b);
  levels.forEach((l, row) => (byLevel.get(l) ?? []).forEach((did, slot) => nodes.push({ did, name: names.get(did) ?? did, level: row, slot })));
  const lanes = new Map<string, number>();
  const edges = shown.map((d): GraphEdge => {
    const pair = `${d.issuer.did} ${d.audience.did}`;
    const lane = lanes.get(pair) ?? 0;
    lanes.set(pair, lane + 1);
    return { cid: d.cid, from: d.issuer.did, to: d.audience.did, cmd: d.cmd, scope: d.scope, state: edgeState(d, nowSeconds), lane };
  });
  return { nodes, edges, levels: levels.length, widest: Math.max(1, ...[...byLevel.values()].map((v) => v.length)), leftOut: delegations.length - shown.length };
}

/** "user → coder: /mcp/tools/call, read_file on files (revoked)", for screen readers and tooltips. */
export function edgeLabel(edge: GraphEdge, nameOf: (did: string) => string): string {
  // A scope usually starts with its command ("/fs/read (any arguments)"): said once.
  const what = edge.scope.startsWith(edge.cmd) ? edge.scope : `${edge.cmd}${edge.scope ? `, ${edge.scope}` : ''}`;
  return `${nameOf(edge.from)} → ${nameOf(edge.to)}: ${what}${edge.state === 'live' ? '' : ` (${edge.state})`}`;
}
