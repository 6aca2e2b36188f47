// The audit timeline's host: one webview panel fed from `audit/query` and live from `audit/didAppend`.
// The webview may only load the bundle in dist/, runs scripts only by a fresh nonce, and speaks the typed
// protocol in webview/src/protocol.ts in both directions.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { AuditRecord, DelegationInfo } from '../../../daemon/src/server/protocol';
import { parseWebviewMessage, type ExtensionToWebview, type TimelineDelegation } from '../../../webview/src/protocol';
import type { DaemonConnection } from '../daemon/daemonConnection';
import type { Log } from '../log';
import { anchorBadgeText, type AnchorState } from './editorLogAnchor';

export const TIMELINE_VIEW_TYPE = 'signet.timeline';
/** The most records the timeline loads (AuditQueryParams.limit's maximum). */
const QUERY_LIMIT = 100_000;
/** Records per `audit/query`: small enough that an answer stays well under the 1 MiB frame limit. */
const PAGE_SIZE = 200;
const DIRECTORY_KINDS = new Set(['identity.created', 'identity.removed', 'delegation.issued', 'delegation.revoked']);

export function timelineHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  const nonce = randomBytes(18).toString('base64');
  const dist = vscode.Uri.joinPath(extensionUri, 'dist');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js'));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.css'));
  const csp = [
    "default-src 'none'",
    `style-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
    `font-src ${webview.cspSource}`,
    "img-src data:",
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style.toString()}">
<title>Signet Timeline</title>
</head>
<body>
<div id="app" data-state="loading"><p class="loading">Loading the audit log…</p></div>
<script nonce="${nonce}" src="${script.toString()}"></script>
</body>
</html>`;
}

export class TimelinePanel implements vscode.Disposable {
  private static current: TimelinePanel | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];
  private buffer: AuditRecord[] = [];
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private directoryTimer: ReturnType<typeof setTimeout> | undefined;
  private ready = false;
  /** The highest seq sent, so that a record in both a query result and a notification is sent once. */
  private lastSeq = -1;

  static show(extensionUri: vscode.Uri, connection: DaemonConnection, log: Log, focusAgent: string | null, anchor: () => AnchorState | undefined = () => undefined): TimelinePanel {
    if (TimelinePanel.current) {
      TimelinePanel.current.panel.reveal();
      TimelinePanel.current.post({ type: 'focusAgent', agent: focusAgent });
      return TimelinePanel.current;
    }
    const panel = vscode.window.createWebviewPanel(
      TIMELINE_VIEW_TYPE,
      focusAgent ? `Signet Timeline: ${focusAgent}` : 'Signet Timeline',
      vscode.ViewColumn.Active,
      {
        enableScripts: true,
        // Nothing but the built bundle can be loaded into the webview.
        localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist')],
        // Keeps 100,000 rendered-on-demand events in memory instead of reloading on every tab switch.
        retainContextWhenHidden: true,
      },
    );
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'extension', 'media', 'signet.svg');
    TimelinePanel.current = new TimelinePanel(panel, extensionUri, connection, log, focusAgent, anchor);
    return TimelinePanel.current;
  }

  static get instance(): TimelinePanel | undefined {
    return TimelinePanel.current;
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    private readonly connection: DaemonConnection,
    private readonly log: Log,
    private focusAgent: string | null,
    private readonly anchor: () => AnchorState | undefined,
  ) {
    panel.webview.html = timelineHtml(panel.webview, extensionUri);
    this.subscriptions.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((raw: unknown) => this.receive(raw)),
      connection.onNotification('audit/didAppend', (record) => {
        this.buffer.push(record);
        // Batched: a burst of records costs one message and one redraw.
        this.flushTimer ??= setTimeout(() => this.flush(), 50);
        if (DIRECTORY_KINDS.has(record.kind)) this.scheduleDirectory();
      }),
      connection.onDidConnect(() => {
        if (this.ready) void this.sendInit();
      }),
      connection.onDidChangeState((state) => {
        this.post({
          type: 'connection',
          connected: state.kind === 'connected',
          message: state.kind === 'connected' ? '' : state.kind === 'connecting' ? 'connecting to the daemon…' : 'not connected to the daemon; showing what was loaded',
        });
      }),
    );
  }

  private receive(raw: unknown): void {
    const message = parseWebviewMessage(raw);
    if (!message) {
      this.log.warn('ignored a malformed message from the timeline webview');
      return;
    }
    switch (message.type) {
      case 'ready':
        this.ready = true;
        void this.sendInit();
        break;
      case 'copy':
        void vscode.env.clipboard.writeText(message.text).then(() => vscode.window.setStatusBarMessage('Signet: copied', 2000));
        break;
      case 'error':
        this.log.error(`timeline webview: ${message.message}`);
        break;
      case 'verifyLog':
        void this.verifyLog();
        break;
      case 'openRule':
        void vscode.commands.executeCommand('signet.policy.openRule', message.file, message.line);
        break;
    }
  }

  private async sendInit(): Promise<void> {
    try {
      await this.connection.whenConnected(30_000);
      const [loaded, agents, delegations] = await Promise.all([
        this.loadNewest(),
        this.connection.request('agent/list', {}),
        this.connection.request('delegation/list', { includeInactive: true }),
      ]);
      const { records, truncated } = loaded;
      this.lastSeq = records[records.length - 1]?.seq ?? this.lastSeq;
      this.buffer = this.buffer.filter((r) => r.seq > this.lastSeq);
      this.post({
        type: 'init',
        user: agents.user,
        agents: agents.agents,
        delegations: delegations.delegations.map(forTimeline),
        records,
        truncated,
        focusAgent: this.focusAgent,
      });
      this.log.info(`timeline loaded ${records.length} audit record(s)`);
      this.flush();
      const anchor = this.anchor();
      if (anchor) this.showAnchor(anchor);
      void this.verifyLog();
    } catch (error) {
      this.log.error(`could not load the audit log into the timeline: ${(error as Error).message}`);
      this.post({ type: 'connection', connected: false, message: `could not load the audit log: ${(error as Error).message}` });
    }
  }

  /**
   * The newest records, up to QUERY_LIMIT, oldest first. Read in pages because a frame from the daemon is
   * at most MAX_FRAME_BYTES: one answer holding a large log would be refused by the client.
   */
  private async loadNewest(): Promise<{ records: AuditRecord[]; truncated: boolean }> {
    const status = await this.connection.request('daemon/status', {});
    const first = Math.max(0, status.auditRecords - QUERY_LIMIT);
    const records: AuditRecord[] = [];
    for (let since = first; ; ) {
      const { records: page } = await this.connection.request('audit/query', { since, limit: PAGE_SIZE }, { timeoutMs: 60_000 });
      records.push(...page);
      const last = page[page.length - 1];
      if (page.length < PAGE_SIZE || !last) break;
      since = last.seq + 1;
    }
    records.sort((a, b) => a.seq - b.seq);
    return { records, truncated: first > 0 };
  }

  /** Asks the daemon to recompute the log's Merkle tree and check its checkpoints, for the panel's badge. */
  private async verifyLog(): Promise<void> {
    try {
      const result = await this.connection.request('audit/verify', {}, { timeoutMs: 120_000 });
      if (!result.ok) this.log.error(`the audit log failed verification: ${result.problems.map((p) => `#${p.seq ?? '?'} ${p.message}`).join('; ')}`);
      this.post({ type: 'logVerification', result, error: null });
    } catch (error) {
      this.post({ type: 'logVerification', result: null, error: (error as Error).message });
    }
  }

  private flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (!this.ready) return;
    const fresh = this.buffer.filter((r) => r.seq > this.lastSeq).sort((a, b) => a.seq - b.seq);
    this.buffer = [];
    if (!fresh.length) return;
    this.lastSeq = fresh[fresh.length - 1]?.seq ?? this.lastSeq;
    this.post({ type: 'append', records: fresh });
  }

  private scheduleDirectory(): void {
    clearTimeout(this.directoryTimer);
    this.directoryTimer = setTimeout(async () => {
      try {
        const [agents, delegations] = await Promise.all([
          this.connection.request('agent/list', {}),
          this.connection.request('delegation/list', { includeInactive: true }),
        ]);
        this.post({ type: 'directory', agents: agents.agents, delegations: delegations.delegations.map(forTimeline) });
      } catch (error) {
        this.log.warn(`timeline: could not refresh agents and delegations: ${(error as Error).message}`);
      }
    }, 200);
  }

  /** The editor's own anchor of the log (editorLogAnchor.ts), as the timeline's second badge. */
  showAnchor(state: AnchorState): void {
    if (!this.ready) return;
    this.post({ type: 'logAnchor', state: state.kind, ...anchorBadgeText(state) });
  }

  setFocus(agent: string | null): void {
    this.focusAgent = agent;
    this.post({ type: 'focusAgent', agent });
  }

  private post(message: ExtensionToWebview): void {
    void this.panel.webview.postMessage(message);
  }

  private disposed = false;

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (TimelinePanel.current === this) TimelinePanel.current = undefined;
    clearTimeout(this.flushTimer);
    clearTimeout(this.directoryTimer);
    for (const s of this.subscriptions) s.dispose();
    this.panel.dispose();
  }
}

function forTimeline(d: DelegationInfo): TimelineDelegation {
  return { cid: d.cid, issuer: d.issuer, audience: d.audience, cmd: d.cmd, scope: d.scope, exp: d.exp, parent: d.parent, revoked: d.revoked, source: d.source, token: d.token };
}
