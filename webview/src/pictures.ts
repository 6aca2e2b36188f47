// The timeline's two pictures, above the list: the activity strip (per agent, allowed / asked / denied per minute
// or hour) and the delegation graph (the user at the root, an edge per delegation). Plain SVG in the editor's theme
// colours; every bar, node and edge has an accessible name, and each picture is one tab stop whose arrow keys move
// between its items (Enter or Space selects). Selecting filters the list; the caller decides how.
import { activityStrip, bucketLabel, type ActivityBucket } from './activityStrip';
import { delegationGraph, edgeLabel, type DelegationGraph, type GraphEdge, type GraphNode } from './delegationGraph';
import type { TimelineModel } from './timelineModel';

const SVG = 'http://www.w3.org/2000/svg';

export interface PictureSelection {
  /** A bar: the agent and its time window. */
  bar?: { agent: string; from: number; to: number; label: string };
  /** A node of the graph: the agent's name (the user's node clears the agent). */
  agent?: string;
  /** An edge of the graph: the delegation's CID. */
  edge?: { cid: string; label: string };
}

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}, ...children: (Node | string)[]): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  node.append(...children);
  return node;
}

function titled<T extends SVGElement>(node: T, label: string): T {
  node.setAttribute('aria-label', label);
  node.append(svg('title', {}, label));
  return node;
}

/** One tab stop per picture; arrows move the focus among its items, as in a toolbar. */
function rovingFocus(container: Element, items: () => SVGElement[], moves: (key: string, index: number, all: SVGElement[]) => number | undefined): void {
  container.addEventListener('keydown', (event) => {
    const e = event as KeyboardEvent;
    const all = items();
    const index = all.indexOf(document.activeElement as SVGElement);
    if ((e.key === 'Enter' || e.key === ' ') && index >= 0) {
      e.preventDefault();
      all[index]?.dispatchEvent(new MouseEvent('click', { bubbles: true }));
      return;
    }
    const target = moves(e.key, Math.max(0, index), all);
    if (target === undefined) return;
    e.preventDefault();
    const next = all[Math.max(0, Math.min(all.length - 1, target))];
    for (const item of all) item.setAttribute('tabindex', item === next ? '0' : '-1');
    next?.focus();
  });
}

export class TimelinePictures {
  readonly element: HTMLElement;
  private readonly strip = document.createElement('div');
  private readonly graph = document.createElement('div');
  private selected: string | undefined;

  constructor(private readonly onSelect: (selection: PictureSelection) => void) {
    this.element = document.createElement('section');
    this.element.className = 'pictures';
    this.element.setAttribute('aria-label', 'Activity and delegations');
    this.strip.className = 'activity-strip';
    this.strip.id = 'activity-strip';
    this.strip.setAttribute('role', 'group');
    this.strip.setAttribute('aria-label', 'Activity per agent over time: allowed, asked and denied. Arrow keys move, Enter filters the list.');
    this.graph.className = 'delegation-graph';
    this.graph.id = 'delegation-graph';
    this.graph.setAttribute('role', 'group');
    this.graph.setAttribute('aria-label', 'Delegation graph: the user at the root, an edge per delegation. Arrow keys move, Enter filters the list.');
    this.element.append(this.strip, this.graph);
    rovingFocus(this.strip, () => [...this.strip.querySelectorAll<SVGElement>('.bar')], (key, index, all) => {
      const row = Number(all[index]?.dataset.row ?? 0);
      const perRow = all.filter((b) => b.dataset.row === String(row)).length;
      return { ArrowLeft: index - 1, ArrowRight: index + 1, ArrowUp: index - perRow, ArrowDown: index + perRow, Home: 0, End: all.length - 1 }[key];
    });
    rovingFocus(this.graph, () => [...this.graph.querySelectorAll<SVGElement>('.node, .edge')], (key, index, all) => ({ ArrowLeft: index - 1, ArrowUp: index - 1, ArrowRight: index + 1, ArrowDown: index + 1, Home: 0, End: all.length - 1 })[key]);
  }

  /** Marks the item the list is filtered by (a bar, node or edge id), or none. */
  select(id: string | undefined): void {
    this.selected = id;
    for (const item of this.element.querySelectorAll<SVGElement>('[data-id]')) item.setAttribute('aria-pressed', String(item.dataset.id === id));
  }

  render(model: TimelineModel): void {
    this.renderStrip(model);
    this.renderGraph(model);
    this.select(this.selected);
  }

  private renderStrip(model: TimelineModel): void {
    const data = activityStrip(model.records, (did) => model.nameOf(did));
    if (!data.rows.length) {
      this.strip.replaceChildren(Object.assign(document.createElement('p'), { className: 'hint', textContent: 'No calls yet: the strip shows allowed, asked and denied calls per agent.' }));
      return;
    }
    const buckets = data.rows[0]?.buckets.length ?? 1;
    // Few buckets get wide bars, so that a short log is not a sliver; many stay at 8 px.
    const barWidth = Math.max(8, Math.min(36, Math.floor(540 / buckets)));
    const rowHeight = 22;
    const labelWidth = 90;
    const width = Math.max(360, labelWidth + buckets * barWidth);
    const root = svg('svg', { viewBox: `0 0 ${width} ${data.rows.length * rowHeight + 14}`, width, height: data.rows.length * rowHeight + 14, role: 'presentation' });
    data.rows.forEach((row, r) => {
      const y = r * rowHeight;
      root.append(svg('text', { x: 0, y: y + 15, class: 'strip-agent' }, row.agent));
      row.buckets.forEach((bucket, i) => root.append(this.bar(row.agent, bucket, data.bucketMs, row.peak, { x: labelWidth + i * barWidth, y, width: barWidth - 1, height: rowHeight - 4, row: r })));
    });
    const unit = data.bucketMs === 60_000 ? 'per minute' : 'per hour';
    root.append(svg('text', { x: labelWidth, y: data.rows.length * rowHeight + 11, class: 'strip-axis' }, `${new Date(data.from).toISOString().slice(0, 16).replace('T', ' ')} → ${new Date(data.to).toISOString().slice(11, 16)} UTC, ${unit}`));
    const first = root.querySelector<SVGElement>('.bar');
    first?.setAttribute('tabindex', '0');
    this.strip.replaceChildren(root);
  }

  private bar(agent: string, bucket: ActivityBucket, bucketMs: number, peak: number, box: { x: number; y: number; width: number; height: number; row: number }): SVGGElement {
    const label = bucketLabel(agent, bucket, bucketMs);
    const id = `bar:${agent}:${bucket.start}`;
    const g = titled(svg('g', { class: 'bar', role: 'button', tabindex: -1, 'data-id': id, 'data-row': box.row, 'data-agent': agent, 'data-start': bucket.start }), label);
    g.append(svg('rect', { class: 'bar-hit', x: box.x, y: box.y, width: box.width, height: box.height }));
    let bottom = box.y + box.height;
    for (const part of ['allowed', 'asked', 'denied'] as const) {
      const h = peak ? (bucket[part] / peak) * box.height : 0;
      if (h <= 0) continue;
      bottom -= h;
      g.append(svg('rect', { class: `bar-${part}`, x: box.x, y: bottom, width: box.width, height: h }));
    }
    g.addEventListener('click', () => this.onSelect({ bar: { agent, from: bucket.start, to: bucket.start + bucketMs, label } }));
    return g;
  }

  private renderGraph(model: TimelineModel): void {
    const graph = delegationGraph(model.user, model.agents(), [...model.delegations.values()], Math.floor(Date.now() / 1000));
    if (graph.edges.length === 0 && graph.nodes.length <= 1) {
      this.graph.replaceChildren(Object.assign(document.createElement('p'), { className: 'hint', textContent: 'No delegations yet.' }));
      return;
    }
    const levelHeight = 84 + 14 * Math.min(6, Math.max(0, ...graph.edges.map((e) => e.lane)));
    // Labels lean left or right of their edge, so the drawing keeps a margin on both sides for them.
    const margin = 120;
    const inner = Math.max(240, graph.widest * 150);
    const width = inner + 2 * margin;
    const height = graph.levels * levelHeight;
    const at = positions(graph, inner, levelHeight, margin);
    const nameOf = (did: string) => model.nameOf(did);
    const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, width, height, role: 'presentation' });
    const edges = graph.edges.map((edge) => this.edge(edge, at, nameOf));
    const nodes = graph.nodes.map((node) => this.node(node, at));
    root.append(...edges, ...nodes);
    (nodes[0] ?? edges[0])?.setAttribute('tabindex', '0');
    const parts: Node[] = [root];
    if (graph.leftOut) parts.push(Object.assign(document.createElement('p'), { className: 'hint', textContent: `${graph.leftOut} older delegation(s) not drawn.` }));
    this.graph.replaceChildren(...parts);
  }

  private edge(edge: GraphEdge, at: Map<string, { x: number; y: number }>, nameOf: (did: string) => string): SVGGElement {
    const a = at.get(edge.from) ?? { x: 0, y: 0 };
    const b = at.get(edge.to) ?? { x: 0, y: 0 };
    // Parallel edges fan out; an edge within one level arcs below it instead of crossing the nodes between.
    const bend = (edge.lane % 2 ? -1 : 1) * Math.ceil(edge.lane / 2) * 26;
    const sameLevel = a.y === b.y;
    const mid = { x: (a.x + b.x) / 2 + bend, y: sameLevel ? a.y + 40 + edge.lane * 8 : (a.y + b.y) / 2 };
    const start = a.y + 12;
    const end = sameLevel ? b.y + 12 : b.y - 12;
    const label = edgeLabel(edge, nameOf);
    // Labels sit two thirds of the way down, near the agent they delegate to, so that edges from one node to
    // several agents keep their labels apart.
    const t = sameLevel ? 0.5 : 0.68;
    // A label leans away from the edge's own line: left of an edge going left, right of one going right or down.
    const anchor = sameLevel ? 'middle' : b.x < a.x - 1 ? 'end' : 'start';
    const labelAt = { x: (1 - t) ** 2 * a.x + 2 * (1 - t) * t * mid.x + t ** 2 * b.x, y: (1 - t) ** 2 * start + 2 * (1 - t) * t * mid.y + t ** 2 * end + (sameLevel ? 12 : 0) };
    const g = titled(svg('g', { class: `edge state-${edge.state}`, role: 'button', tabindex: -1, 'data-id': `edge:${edge.cid}`, 'data-cid': edge.cid, 'data-state': edge.state }), label);
    g.append(
      svg('path', { class: 'edge-line', d: `M ${a.x} ${start} Q ${mid.x} ${mid.y} ${b.x} ${end}` }),
      // A wide, invisible stroke along the line, so that a thin edge is easy to hit.
      svg('path', { class: 'edge-hit', d: `M ${a.x} ${start} Q ${mid.x} ${mid.y} ${b.x} ${end}` }),
      // Labels of parallel edges are stacked, one line each, so they do not print over one another.
      svg('text', { class: 'edge-label', x: labelAt.x + (anchor === 'start' ? 6 : anchor === 'end' ? -6 : 0), y: labelAt.y + edge.lane * 14, 'text-anchor': anchor }, `${edge.cmd.length > 22 ? `${edge.cmd.slice(0, 21)}…` : edge.cmd}${edge.state === 'live' ? '' : ` (${edge.state})`}`),
    );
    g.addEventListener('click', () => this.onSelect({ edge: { cid: edge.cid, label } }));
    return g;
  }

  private node(node: GraphNode, at: Map<string, { x: number; y: number }>): SVGGElement {
    const p = at.get(node.did) ?? { x: 0, y: 0 };
    const isUser = node.level === 0 && node.name === 'user';
    const g = titled(svg('g', { class: `node${isUser ? ' user' : ''}`, role: 'button', tabindex: -1, 'data-id': `node:${node.name}`, 'data-agent': node.name }), isUser ? 'user (the root of every delegation): show all agents' : `agent ${node.name}: show its events`);
    const w = Math.max(56, node.name.length * 7 + 16);
    g.append(svg('rect', { x: p.x - w / 2, y: p.y - 12, width: w, height: 24, rx: 4 }), svg('text', { x: p.x, y: p.y + 4, 'text-anchor': 'middle' }, node.name));
    g.addEventListener('click', () => this.onSelect({ agent: isUser ? '' : node.name }));
    return g;
  }
}

function positions(graph: DelegationGraph, width: number, levelHeight: number, margin: number): Map<string, { x: number; y: number }> {
  const perLevel = new Map<number, number>();
  for (const n of graph.nodes) perLevel.set(n.level, (perLevel.get(n.level) ?? 0) + 1);
  return new Map(graph.nodes.map((n) => [n.did, { x: margin + ((n.slot + 0.5) * width) / (perLevel.get(n.level) ?? 1), y: n.level * levelHeight + levelHeight / 2 }]));
}
