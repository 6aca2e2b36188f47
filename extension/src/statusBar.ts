// The status bar item: connected or not, and how many approvals wait. A click opens the pending
// approvals (or, while disconnected, the ways to reconnect).
import * as vscode from 'vscode';
import type { ConnectionState } from './daemon/daemonConnection';

/** Said wherever the daemon's state is shown when keys and the UI token are plain files (the headless opt-in). */
export const FILE_KEYSTORE_WARNING =
  'Approvals are not protected from local processes on this machine: the keys and the UI token are plain files (file keystore), so any process running as you, an agent’s shell included, can approve its own requests.';

export const STATUS_BAR_ID = 'signet.status';

export class SignetStatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private state: ConnectionState = { kind: 'connecting', attempt: 0 };
  private pending = 0;

  constructor() {
    // The id lets people hide the item by name from the status bar's context menu.
    this.item = vscode.window.createStatusBarItem(STATUS_BAR_ID, vscode.StatusBarAlignment.Left, 100);
    this.item.name = 'Signet';
    this.render();
    this.item.show();
  }

  update(state: ConnectionState, pending: number): void {
    this.state = state;
    this.pending = pending;
    this.render();
  }

  setPending(pending: number): void {
    this.pending = pending;
    this.render();
  }

  private render(): void {
    const s = this.state;
    const item = this.item;
    let background: vscode.ThemeColor | undefined;
    if (s.kind === 'connected') {
      if (this.pending > 0) {
        item.text = `$(shield) Signet: ${this.pending} pending`;
        background = new vscode.ThemeColor('statusBarItem.warningBackground');
      } else {
        item.text = '$(shield) Signet';
      }
      item.tooltip =
        `Signet: connected to signetd ${s.status.version} (pid ${s.status.pid}), ${s.status.agents} agent(s), ${this.pending} approval(s) pending.` +
        (s.status.keystore === 'file' ? `\n${FILE_KEYSTORE_WARNING}` : '') +
        '\nClick to show pending approvals.';
      item.command = 'signet.showPendingApprovals';
    } else if (s.kind === 'connecting') {
      item.text = '$(sync~spin) Signet: connecting';
      item.tooltip = 'Signet: connecting to the daemon…';
      item.command = 'signet.showLog';
    } else {
      item.text = `$(debug-disconnect) Signet: disconnected${this.pending ? ` (${this.pending} pending)` : ''}`;
      background = new vscode.ThemeColor('statusBarItem.errorBackground');
      const retry = s.retryAt ? ` Retrying in ${Math.max(0, Math.round((s.retryAt - Date.now()) / 1000))} s.` : '';
      item.tooltip = `Signet: ${s.kind === 'keystore-unavailable' ? s.message : s.reason}.${retry}\nClick to reconnect now.`;
      item.command = 'signet.reconnect';
    }
    // Only the error and warning background colours are honoured in the status bar.
    item.backgroundColor = background;
    item.accessibilityInformation = { label: item.text.replace(/\$\([^)]+\)\s*/g, ''), role: 'button' };
  }

  dispose(): void {
    this.item.dispose();
  }
}
