// The audit timeline: newest first, filterable by agent, kind, outcome and text, live as records arrive.
// Selecting an event shows its details and its full chain with CIDs; each invocation shown is re-verified
// here with @noble/ed25519. Everything from the log is inserted as text, never as HTML.
import './timeline.css';
import { decidedOutsideEditor, describeDecider } from '../../daemon/src/approvals/deciderText';
import type { AuditRecord } from '../../daemon/src/server/protocol';
import { AUDIT_KINDS, parseExtensionMessage, type ExtensionToWebview, type WebviewToExtension } from './protocol';
import { TimelinePictures, type PictureSelection } from './pictures';
import { TimelineModel, type Filters, type Outcome } from './timelineModel';
import { verifyInvocation, type Verification } from './verifyInvocation';
import { VirtualList } from './virtualList';
import { ruleOf } from './recordRule';
import { renderRuleLink } from './ruleLink';

interface VsCodeApi {
  postMessage(message: WebviewToExtension): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const ROW_HEIGHT = 24;
const OUTCOMES: { value: Outcome | ''; label: string }[] = [
  { value: '', label: 'Any outcome' },
  { value: 'allowed', label: 'Allowed' },
  { value: 'denied', label: 'Denied' },
  { value: 'requested', label: 'Requested' },
  { value: 'granted', label: 'Granted' },
  { value: 'revoked', label: 'Revoked' },
  { value: 'info', label: 'Other' },
];

const model = new TimelineModel();
const verifications = new Map<number, Verification | 'pending'>();
let selectedSeq: number | undefined;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> & { dataset?: Record<string, string> } = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  const { dataset, ...rest } = props;
  Object.assign(node, rest);
  if (dataset) for (const [k, v] of Object.entries(dataset)) node.dataset[k] = v;
  node.append(...children);
  return node;
}

function post(message: WebviewToExtension): void {
  vscode.postMessage(message);
}

// ───────────────────────────── layout ─────────────────────────────

const app = document.getElementById('app') ?? document.body;
app.replaceChildren();
app.dataset.state = 'loading';
const agentSelect = el('select', { id: 'filter-agent', title: 'Agent' });
agentSelect.setAttribute('aria-label', 'Filter by agent');
const kindSelect = el('select', { id: 'filter-kind', title: 'Kind' });
kindSelect.setAttribute('aria-label', 'Filter by kind');
kindSelect.append(el('option', { value: '', textContent: 'All kinds' }), ...AUDIT_KINDS.map((k) => el('option', { value: k, textContent: k })));
const outcomeSelect = el('select', { id: 'filter-outcome', title: 'Outcome' });
outcomeSelect.setAttribute('aria-label', 'Filter by outcome');
outcomeSelect.append(...OUTCOMES.map((o) => el('option', { value: o.value, textContent: o.label })));
const textInput = el('input', { id: 'filter-text', type: 'search', placeholder: 'Filter events (press / to focus)' });
textInput.setAttribute('aria-label', 'Filter by text');
const countLabel = el('span', { id: 'count', className: 'count' });
countLabel.setAttribute('aria-live', 'polite');
const connectionLabel = el('span', { id: 'connection', className: 'connection' });
const logBadge = el('button', { id: 'log-integrity', className: 'log-integrity', type: 'button', textContent: 'Log: checking…' });
logBadge.dataset.state = 'pending';
logBadge.addEventListener('click', () => {
  logBadge.dataset.state = 'pending';
  logBadge.textContent = 'Log: checking…';
  post({ type: 'verifyLog' });
});
// The editor's own anchor of the log (the extension keeps it): a second badge, which a re-anchor does not clear.
const anchorBadge = el('span', { id: 'log-anchor', className: 'log-anchor', textContent: '' });
anchorBadge.hidden = true;
anchorBadge.setAttribute('role', 'status');
const toolbar = el('header', { className: 'toolbar' }, agentSelect, kindSelect, outcomeSelect, textInput, countLabel, logBadge, anchorBadge, connectionLabel);
toolbar.setAttribute('role', 'search');

const list = el('div', { id: 'events', className: 'events', tabIndex: 0 });
list.setAttribute('role', 'listbox');
list.setAttribute('aria-label', 'Audit events, newest first. Arrow keys move, Home and End jump.');
const details = el('aside', { id: 'details', className: 'details' });
details.setAttribute('aria-label', 'Event details');
details.setAttribute('aria-live', 'polite');
const empty = el('p', { className: 'empty', textContent: 'No events match the filters.' });
empty.hidden = true;
/** What the pictures filter the list by, on top of the toolbar's filters: a bar's time window, or a delegation. */
let pictureFilter: { window?: Filters['window']; delegation?: string; label: string; id: string } | undefined;
const pictureChip = el('span', { id: 'picture-filter', className: 'picture-filter' });
pictureChip.hidden = true;
pictureChip.setAttribute('aria-live', 'polite');
const pictures = new TimelinePictures(choosePicture);
app.append(toolbar, pictures.element, pictureChip, el('main', { className: 'split' }, el('div', { className: 'list-pane' }, list, empty), details));

const virtualList = new VirtualList({
  container: list,
  rowHeight: ROW_HEIGHT,
  createRow: () => {
    const row = el('div', { className: 'row' });
    row.setAttribute('role', 'option');
    row.append(
      el('span', { className: 'time' }),
      el('span', { className: 'agent' }),
      el('span', { className: 'kind' }),
      el('span', { className: 'summary' }),
      el('span', { className: 'badge' }),
      el('span', { className: 'rule' }),
    );
    row.addEventListener('click', () => {
      const seq = Number(row.dataset.seq);
      if (Number.isInteger(seq)) select(seq, false);
      list.focus();
    });
    return row;
  },
  update: (row, index) => fillRow(row, index),
});

// ───────────────────────────── rows ─────────────────────────────

function timeOf(record: AuditRecord): string {
  const date = new Date(record.time);
  return Number.isNaN(date.getTime()) ? record.time : date.toLocaleTimeString(undefined, { hour12: false });
}

/** The record a group's row is named by: its authorization when it has one, else its latest step. */
function primaryOf(group: readonly AuditRecord[]): AuditRecord | undefined {
  return group.findLast((r) => r.kind === 'authorize.allowed' || r.kind === 'authorize.denied') ?? group.at(-1);
}

function fillRow(row: HTMLElement, index: number): void {
  const group = model.groupAt(index);
  const record = group[0];
  const primary = primaryOf(group);
  if (!record || !primary) {
    row.hidden = true;
    return;
  }
  const outcome = model.groupOutcome(group);
  row.id = `event-${record.seq}`;
  row.dataset.seq = String(record.seq);
  row.dataset.kind = primary.kind;
  row.dataset.kinds = group.map((r) => r.kind).join(' ');
  row.dataset.steps = String(group.length);
  row.dataset.outcome = outcome;
  row.className = `row outcome-${outcome}${record.seq === selectedSeq ? ' selected' : ''}`;
  row.setAttribute('aria-selected', String(record.seq === selectedSeq));
  const [time, agent, kind, summary, badge, rule] = [...row.children] as HTMLElement[];
  if (time) time.textContent = timeOf(record);
  if (time) time.title = record.time;
  if (agent) agent.textContent = model.nameOf(record.agent);
  if (kind) kind.textContent = group.length > 1 ? `${primary.kind} (${group.length} steps)` : record.kind;
  const text = model.groupSummary(group);
  if (summary) {
    summary.textContent = text;
    summary.title = text;
  }
  if (badge) renderBadge(badge, group.find((r) => r.kind === 'approval.decided' && decidedOutsideEditor(r.data.decider)) ?? primary);
  // The rule that denied or asked, wherever in the group its record is (the request's, or the denial's).
  if (rule) renderRuleLink(rule, group.find((r) => ruleOf(r) !== undefined) ?? primary, post);
  row.setAttribute('aria-label', `${primary.kind} ${model.nameOf(record.agent)} ${text}`);
}

function tokenOf(record: AuditRecord): string | undefined {
  return typeof record.data.token === 'string' ? record.data.token : undefined;
}

function renderBadge(badge: HTMLElement, record: AuditRecord): void {
  badge.className = 'badge';
  badge.textContent = '';
  badge.removeAttribute('title');
  delete badge.dataset.verified;
  if (record.kind === 'approval.decided' && decidedOutsideEditor(record.data.decider)) {
    badge.textContent = '⚠ outside editor';
    badge.classList.add('outside-editor');
    badge.title = 'This approval was not made in an editor window: it may not have been the person. See the details for the deciding process.';
    return;
  }
  if (record.kind !== 'authorize.allowed') return;
  const result = verificationOf(record);
  badge.dataset.verified = result === 'pending' ? 'pending' : result.status;
  if (result === 'pending') {
    badge.textContent = '…';
    badge.title = 'checking the signature';
  } else if (result.status === 'verified') {
    badge.textContent = '✓ verified';
    badge.classList.add('verified');
    badge.title = `Ed25519 signature by ${result.issuer} checked in this view`;
  } else if (result.status === 'invalid') {
    badge.textContent = '✗ invalid';
    badge.classList.add('invalid');
    badge.title = result.reason;
  } else {
    badge.textContent = 'not checked';
    badge.classList.add('unavailable');
    badge.title = result.reason;
  }
}

/** The cached result, starting a check the first time a record is shown. */
function verificationOf(record: AuditRecord): Verification | 'pending' {
  const known = verifications.get(record.seq);
  if (known) return known;
  const token = tokenOf(record);
  if (!token) {
    const result: Verification = { status: 'unavailable', reason: 'the log entry carries no invocation envelope to check' };
    verifications.set(record.seq, result);
    return result;
  }
  verifications.set(record.seq, 'pending');
  const cid = typeof record.data.invocation === 'string' ? record.data.invocation : undefined;
  void verifyInvocation(token, record.agent, cid)
    .catch((error: unknown): Verification => ({ status: 'invalid', reason: `could not check: ${(error as Error).message}` }))
    .then((result) => {
      verifications.set(record.seq, result);
      virtualList.render();
      if (record.seq === selectedSeq) renderDetails();
    });
  return 'pending';
}

// ───────────────────────────── details ─────────────────────────────

function copyButton(text: string, label: string): HTMLButtonElement {
  const button = el('button', { className: 'copy', type: 'button', textContent: 'Copy', title: `Copy ${label}` });
  button.setAttribute('aria-label', `Copy ${label}`);
  button.addEventListener('click', () => post({ type: 'copy', text }));
  return button;
}

function field(term: string, ...value: (Node | string)[]): HTMLElement[] {
  return [el('dt', { textContent: term }), el('dd', {}, ...value)];
}

/** A call that signed a git commit: the commit's whole hash (the row shows 12 digits) and whose key signed it. */
function signedCommitFields(group: readonly AuditRecord[]): HTMLElement[] {
  const signed = group.find((r) => r.kind === 'git.commit.signed');
  const commit = signed?.data.commit;
  if (typeof commit !== 'string') return [];
  const signer = signed?.data.as === 'user' ? 'the user' : model.nameOf(signed?.agent ?? null);
  return [...field('Commit', el('code', { className: 'commit', textContent: commit }), copyButton(commit, 'commit hash')), ...field('Signed by', signer)];
}

function renderDetails(): void {
  const group = selectedSeq === undefined ? [] : model.groupOf(selectedSeq);
  const record = primaryOf(group);
  if (!record) {
    details.replaceChildren(el('p', { className: 'hint', textContent: 'Select an event to see its details and its chain of delegations.' }));
    return;
  }
  const d = record.data;
  const dl = el('dl');
  dl.append(
    ...field('Event', `#${record.seq} ${record.kind}`),
    ...field('Time', record.time),
    ...field('Agent', model.nameOf(record.agent), ...(record.agent ? [el('code', { textContent: ` ${record.agent}` })] : [])),
    ...field('Outcome', model.groupOutcome(group)),
  );
  if (typeof d.cmd === 'string') dl.append(...field('Command', d.cmd));
  if (typeof d.reason === 'string') dl.append(...field('Reason', d.reason));
  if (typeof d.code === 'string') dl.append(...field('Code', d.code));
  const decision = group.find((r) => r.kind === 'approval.decided');
  if (decision && (decision.data.decider !== undefined || typeof decision.data.decidedBy === 'string')) {
    const outside = decidedOutsideEditor(decision.data.decider);
    dl.append(...field('Decided by', el('span', { id: 'decided-by', textContent: describeDecider(decision.data.decider, decision.data.decidedBy) }), ...(outside ? [el('span', { className: 'flag outside-editor', textContent: ' ⚠ outside the editor' })] : [])));
  }
  if (typeof d.approvalId === 'string') dl.append(...field('Approval', d.approvalId));
  dl.append(...signedCommitFields(group));
  if (typeof d.args === 'object' && d.args !== null) {
    // `_paths` is the daemon's own list of the canonical paths, not something the agent sent.
    const { _paths: _ignored, ...args } = d.args as Record<string, unknown>;
    dl.append(...field('Arguments', el('pre', { textContent: JSON.stringify(args, null, 2) })));
  }

  const sections: HTMLElement[] = [el('h2', { textContent: model.summary(record) })];
  if (group.length > 1) {
    const steps = el('ol', { className: 'steps', id: 'steps' });
    steps.setAttribute('aria-label', 'The steps of this call: request, decision, authorization, outcome');
    for (const step of group) steps.append(el('li', { dataset: { kind: step.kind, seq: String(step.seq) } }, el('span', { className: 'time', textContent: timeOf(step) }), ` #${step.seq} ${step.kind}: `, model.summary(step)));
    sections.push(el('h3', { textContent: 'Steps' }), steps);
  }
  sections.push(dl);
  const chain = model.chainOf(record);
  if (chain.length) {
    const root = chain[0]?.delegation;
    const ol = el('ol', { className: 'chain' });
    ol.setAttribute('aria-label', 'Chain of delegations from the user to the agent');
    ol.append(el('li', { className: 'hop root' }, el('strong', { textContent: root ? model.nameOf(root.issuer.did) : 'user' }), el('span', { className: 'muted', textContent: ' (root)' })));
    for (const hop of chain) {
      const name = hop.delegation ? model.nameOf(hop.delegation.audience.did) : '?';
      const li = el('li', { className: `hop${hop.delegation?.revoked ? ' revoked' : ''}` });
      li.dataset.cid = hop.cid;
      li.append(
        el('span', { className: 'arrow', textContent: '→ ' }),
        el('strong', { textContent: name }),
        el('span', { className: 'muted', textContent: hop.delegation ? ` ${hop.delegation.scope}${hop.delegation.revoked ? ' (revoked)' : ''}` : ' (delegation not known to this view)' }),
        el('br'),
        el('code', { className: 'cid', textContent: hop.cid }),
        copyButton(hop.cid, 'CID'),
      );
      ol.append(li);
    }
    sections.push(el('h3', { textContent: 'Chain' }), ol);
  }
  if (record.kind === 'authorize.allowed') {
    const cid = typeof d.invocation === 'string' ? d.invocation : undefined;
    const result = verificationOf(record);
    const status = el('p', { className: 'signature' });
    status.dataset.verified = result === 'pending' ? 'pending' : result.status;
    status.textContent =
      result === 'pending'
        ? 'Checking the signature…'
        : result.status === 'verified'
          ? `✓ Signature verified in this view: Ed25519 by ${result.issuer}`
          : result.status === 'invalid'
            ? `✗ Signature invalid: ${result.reason}`
            : `Signature not checked: ${result.reason}`;
    sections.push(el('h3', { textContent: 'Invocation' }), ...(cid ? [el('p', {}, el('code', { className: 'cid', textContent: cid }), copyButton(cid, 'invocation CID'))] : []), status);
  }
  sections.push(el('details', {}, el('summary', { textContent: 'Raw record' }), el('pre', { textContent: JSON.stringify(record, null, 2) })));
  details.replaceChildren(...sections);
}

// ───────────────────────────── selection and keys ─────────────────────────────

function select(seq: number | undefined, reveal = true): void {
  selectedSeq = seq === undefined ? undefined : (model.leadSeqOf(seq) ?? seq);
  seq = selectedSeq;
  const row = seq === undefined ? -1 : model.rowOf(seq);
  if (row >= 0 && reveal) virtualList.reveal(row);
  virtualList.render();
  if (row >= 0) list.setAttribute('aria-activedescendant', `event-${seq}`);
  else list.removeAttribute('aria-activedescendant');
  renderDetails();
}

function selectRow(row: number): void {
  if (model.count === 0) return;
  const clamped = Math.max(0, Math.min(model.count - 1, row));
  select(model.at(clamped)?.seq);
}

list.addEventListener('keydown', (event) => {
  const current = selectedSeq === undefined ? -1 : model.rowOf(selectedSeq);
  const moves: Record<string, number> = {
    ArrowDown: current + 1,
    ArrowUp: current - 1,
    PageDown: current + virtualList.pageSize(),
    PageUp: current - virtualList.pageSize(),
    Home: 0,
    End: model.count - 1,
  };
  const target = moves[event.key];
  if (target !== undefined) {
    event.preventDefault();
    selectRow(current < 0 && event.key === 'ArrowUp' ? 0 : target);
  } else if (event.key === 'Enter' && selectedSeq !== undefined) {
    event.preventDefault();
    details.querySelector<HTMLElement>('button, summary')?.focus();
  }
});

document.addEventListener('keydown', (event) => {
  const typing = event.target instanceof HTMLInputElement || event.target instanceof HTMLSelectElement;
  if (event.key === '/' && !typing) {
    event.preventDefault();
    textInput.focus();
  } else if (event.key === 'Escape' && event.target === textInput) {
    textInput.value = '';
    applyFilters();
    list.focus();
  }
});

// ───────────────────────────── filters ─────────────────────────────

function currentFilters(): Filters {
  return { agent: agentSelect.value, kind: kindSelect.value, outcome: outcomeSelect.value as Outcome | '', text: textInput.value, window: pictureFilter?.window, delegation: pictureFilter?.delegation };
}

/** A bar, node or edge was selected: the list shows its events; selecting it again clears the filter. */
function choosePicture(selection: PictureSelection): void {
  if (selection.agent !== undefined) {
    pictureFilter = undefined;
    fillAgents();
    if (selection.agent && ![...agentSelect.options].some((o) => o.value === selection.agent)) agentSelect.append(el('option', { value: selection.agent, textContent: selection.agent }));
    agentSelect.value = selection.agent;
  } else if (selection.bar) {
    const id = `bar:${selection.bar.agent}:${selection.bar.from}`;
    pictureFilter = pictureFilter?.id === id ? undefined : { window: { from: selection.bar.from, to: selection.bar.to }, label: selection.bar.label, id };
    if (pictureFilter) agentSelect.value = selection.bar.agent;
  } else if (selection.edge) {
    const id = `edge:${selection.edge.cid}`;
    pictureFilter = pictureFilter?.id === id ? undefined : { delegation: selection.edge.cid, label: selection.edge.label, id };
    // An edge's events are those of both its ends: an agent chosen before would hide half of them.
    if (pictureFilter) agentSelect.value = '';
  }
  showPictureFilter();
  applyFilters();
}

function showPictureFilter(): void {
  if (!pictureFilter) {
    pictureChip.hidden = true;
    pictureChip.replaceChildren();
    return;
  }
  const clear = el('button', { type: 'button', className: 'clear', textContent: 'Clear' });
  clear.setAttribute('aria-label', `Clear the filter: ${pictureFilter.label}`);
  clear.addEventListener('click', () => {
    // A bar chose its agent along with its window; clearing it clears both.
    if (pictureFilter?.window) agentSelect.value = '';
    pictureFilter = undefined;
    showPictureFilter();
    applyFilters();
  });
  pictureChip.hidden = false;
  pictureChip.replaceChildren(`Showing ${pictureFilter.label} `, clear);
}

let picturesTimer: ReturnType<typeof setTimeout> | undefined;
/** The pictures are redrawn at most twice a second while records stream in. */
function redrawPictures(now = false): void {
  clearTimeout(picturesTimer);
  if (now) pictures.render(model);
  else picturesTimer = setTimeout(() => pictures.render(model), 500);
}

function applyFilters(): void {
  pictures.select(pictureFilter?.id ?? (agentSelect.value ? `node:${agentSelect.value}` : undefined));
  model.setFilters(currentFilters());
  const { window: _window, delegation: _delegation, ...saved } = currentFilters();
  vscode.setState({ filters: saved });
  refreshList();
  if (selectedSeq !== undefined && model.rowOf(selectedSeq) < 0) select(undefined);
}

let textTimer: ReturnType<typeof setTimeout> | undefined;
textInput.addEventListener('input', () => {
  clearTimeout(textTimer);
  textTimer = setTimeout(applyFilters, 120);
});
for (const control of [agentSelect, kindSelect, outcomeSelect]) control.addEventListener('change', applyFilters);

function fillAgents(): void {
  const chosen = agentSelect.value;
  const names = model.agents().map((a) => a.name);
  if (chosen && !names.includes(chosen)) names.push(chosen);
  agentSelect.replaceChildren(el('option', { value: '', textContent: 'All agents' }), ...names.map((n) => el('option', { value: n, textContent: n })));
  agentSelect.value = chosen;
}

function refreshList(): void {
  virtualList.setCount(model.count);
  virtualList.render();
  empty.hidden = model.count > 0;
  const held = model.visibleRecords;
  const rows = held === model.count ? '' : `${model.count.toLocaleString()} rows: `;
  countLabel.textContent = `${rows}${held.toLocaleString()} of ${model.records.length.toLocaleString()} events${model.truncated ? ' (oldest not loaded)' : ''}`;
  app.dataset.count = String(model.count);
}

// ───────────────────────────── messages ─────────────────────────────

function handle(message: ExtensionToWebview): void {
  switch (message.type) {
    case 'init': {
      model.load(message.records, message.agents, message.delegations, message.user, message.truncated);
      verifications.clear();
      fillAgents();
      const saved = vscode.getState() as { filters?: Partial<Filters> } | undefined;
      if (message.focusAgent !== null) agentSelect.value = message.focusAgent;
      else if (saved?.filters?.agent) agentSelect.value = saved.filters.agent;
      if (saved?.filters) {
        kindSelect.value = saved.filters.kind ?? '';
        outcomeSelect.value = saved.filters.outcome ?? '';
        textInput.value = saved.filters.text ?? '';
      }
      if (message.focusAgent !== null && agentSelect.value !== message.focusAgent) {
        agentSelect.append(el('option', { value: message.focusAgent, textContent: message.focusAgent }));
        agentSelect.value = message.focusAgent;
      }
      applyFilters();
      redrawPictures(true);
      showPictureFilter();
      app.dataset.state = 'ready';
      if (selectedSeq === undefined) renderDetails();
      break;
    }
    case 'append': {
      const shown = model.append(message.records);
      virtualList.shiftForInsertedAbove(shown);
      refreshList();
      redrawPictures();
      app.dataset.lastSeq = String(model.records[model.records.length - 1]?.seq ?? '');
      break;
    }
    case 'directory':
      model.setDirectory(message.agents, message.delegations);
      fillAgents();
      redrawPictures(true);
      virtualList.render();
      renderDetails();
      break;
    case 'focusAgent':
      fillAgents();
      if (message.agent !== null && ![...agentSelect.options].some((o) => o.value === message.agent)) {
        agentSelect.append(el('option', { value: message.agent, textContent: message.agent }));
      }
      agentSelect.value = message.agent ?? '';
      applyFilters();
      break;
    case 'connection':
      connectionLabel.textContent = message.connected ? '' : message.message;
      connectionLabel.hidden = message.connected;
      break;
    case 'logAnchor':
      anchorBadge.hidden = false;
      anchorBadge.dataset.state = message.state;
      anchorBadge.textContent = message.label;
      anchorBadge.title = message.detail;
      anchorBadge.setAttribute('aria-label', `${message.label}. ${message.detail}`);
      break;
    case 'logVerification': {
      const r = message.result;
      if (!r) {
        logBadge.dataset.state = 'unknown';
        logBadge.textContent = 'Log: not checked';
        logBadge.title = `${message.error ?? 'the daemon could not check the log'}. Click to try again.`;
      } else if (r.ok) {
        logBadge.dataset.state = 'verified';
        logBadge.textContent = `✓ Log intact (${r.records.toLocaleString()} records)`;
        logBadge.title = `The daemon recomputed the Merkle tree and checked every checkpoint at ${r.verifiedAt}.\nRoot ${r.rootHash}\nClick to check again.`;
      } else {
        logBadge.dataset.state = 'failed';
        logBadge.textContent = `✗ Log altered (${r.problems.length} problem${r.problems.length === 1 ? '' : 's'})`;
        logBadge.title = r.problems.map((p) => `#${p.seq ?? '?'} ${p.kind}: ${p.message}`).join('\n');
      }
      break;
    }
  }
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const message = parseExtensionMessage(event.data);
  if (message) handle(message);
});
window.addEventListener('error', (event) => post({ type: 'error', message: `${event.message} at ${event.filename}:${event.lineno}` }));
window.addEventListener('unhandledrejection', (event) => post({ type: 'error', message: String(event.reason) }));

renderDetails();
refreshList();
post({ type: 'ready' });
