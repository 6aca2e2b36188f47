// A status bar warning of its own, beside Signet's main item, shown only while `signet doctor` finds something
// unprotected: a click opens the Protection view. Its own item, so the main one keeps saying connected or not,
// and how many approvals wait, whatever the configs look like.
import * as vscode from 'vscode';

export const PROTECTION_STATUS_ID = 'signet.protectionStatus';

export class ProtectionStatus implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;

  constructor() {
    // Just right of the main item (priority 100), so the two read as one.
    this.item = vscode.window.createStatusBarItem(PROTECTION_STATUS_ID, vscode.StatusBarAlignment.Left, 99.9);
    this.item.name = 'Signet Protection';
    this.item.command = 'signet.protection.focus';
    this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
  }

  /** Shows how many servers, hooks or checks are not protected, or hides the item when none. */
  update(problems: number): void {
    if (problems === 0) {
      this.item.hide();
      return;
    }
    this.item.text = `$(warning) ${problems} unprotected`;
    this.item.tooltip = `Signet: ${problems} MCP server(s), hook(s) or check(s) are not protected. Click to open the Protection view.`;
    this.item.accessibilityInformation = { label: `Signet: ${problems} unprotected`, role: 'button' };
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}
