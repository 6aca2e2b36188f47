// Keeps the editor's anchor of the audit log (editorLogAnchor.ts) up to date while connected: checked on every
// connect and shortly after records arrive, warned about once per broken state, shown as the timeline's badge.
import * as vscode from 'vscode';
import type { DaemonConnection } from '../daemon/daemonConnection';
import { Emitter } from '../events';
import type { Log } from '../log';
import { acceptCurrentLog, anchorBadgeText, checkLogAnchor, type AnchorState, type AnchorStorage, type StoredLogAnchor } from './editorLogAnchor';

/** A burst of records costs one check. */
const CHECK_AFTER_APPEND_MS = 3000;

export class LogAnchorWatch implements vscode.Disposable {
  private readonly changed = new Emitter<AnchorState>();
  readonly onDidChange = this.changed.event;
  private current: AnchorState | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private checking: Promise<void> | undefined;
  private warnedFor: string | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly connection: DaemonConnection,
    private readonly globalState: vscode.Memento,
    private readonly home: () => string,
    private readonly log: Log,
  ) {
    this.subscriptions.push(
      connection.onDidConnect(() => void this.check()),
      connection.onNotification('audit/didAppend', () => {
        this.timer ??= setTimeout(() => {
          this.timer = undefined;
          void this.check();
        }, CHECK_AFTER_APPEND_MS);
      }),
    );
  }

  get state(): AnchorState | undefined {
    return this.current;
  }

  /** One check at a time; a check asked for while one runs waits for it. */
  check(): Promise<void> {
    this.checking ??= this.runCheck().finally(() => (this.checking = undefined));
    return this.checking;
  }

  /** "Signet: Accept the Re-anchored Audit Log": only after the person has read what was lost. */
  async acceptReanchored(): Promise<void> {
    await this.check();
    const state = this.current;
    if (state?.kind !== 'broken') {
      void vscode.window.showInformationMessage('Signet: the audit log extends this editor\'s anchor; there is nothing to accept.');
      return;
    }
    const { detail } = anchorBadgeText(state);
    const choice = await vscode.window.showWarningMessage('Accept the audit log as it is now?', { modal: true, detail: `${detail}\n\nThis editor will then anchor the log as it is now (${state.current.size} records). What the log held before can no longer be proven.` }, 'Accept the Log as It Is');
    if (choice !== 'Accept the Log as It Is') return;
    await acceptCurrentLog(this.storage(), state.current);
    this.log.warn(`the person accepted the audit log as it is now (${state.current.size} records, root ${state.current.rootHash}) in place of the editor's anchor of ${state.anchor.size} records`);
    this.warnedFor = undefined;
    await this.check();
  }

  private storage(): AnchorStorage {
    const key = `signet.logAnchor:${this.home()}`;
    return { get: () => this.globalState.get<StoredLogAnchor>(key), set: (anchor) => this.globalState.update(key, anchor) };
  }

  private async runCheck(): Promise<void> {
    if (this.connection.state.kind !== 'connected') return;
    const state = await checkLogAnchor((method, params) => this.connection.request(method, params, { timeoutMs: 60_000 }), this.storage());
    this.current = state;
    this.changed.fire(state);
    if (state.kind === 'extends' && state.firstSeen) this.log.info(`the editor anchored the audit log at ${state.anchor.size} records`);
    if (state.kind !== 'broken') return;
    // Said once per anchor: a broken log stays broken as it grows, and each new record must not warn again.
    const key = `${state.anchor.size} ${state.anchor.rootHash} ${state.reanchor?.seq ?? ''}`;
    if (this.warnedFor === key) return;
    this.warnedFor = key;
    const { detail } = anchorBadgeText(state);
    this.log.error(`the audit log no longer extends the editor's anchor: ${detail}`);
    const action = await vscode.window.showWarningMessage(`Signet: the audit log no longer extends what this editor saw. ${detail}`, 'Show Timeline', 'Accept the Re-anchored Log…');
    if (action === 'Show Timeline') void vscode.commands.executeCommand('signet.showTimeline');
    if (action === 'Accept the Re-anchored Log…') void this.acceptReanchored();
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const s of this.subscriptions) s.dispose();
    this.changed.dispose();
  }
}
