// A real workbench for UI tests: code-server with the packaged .vsix installed, a fresh Signet home, and
// Chromium driven by playwright-core. Selectors are the workbench's own (notification toasts, the
// command palette, the activity bar, tree rows, webview frames).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test as nodeTest } from 'node:test';
import { chromium, type Browser, type FrameLocator, type Locator, type Page } from 'playwright-core';
import { DaemonClient } from '../../daemon/src/client/daemonClient';
import type { DaemonRuntimeFile } from '../../daemon/src/server/protocol';
import { readUiTokenOf } from '../../extension/src/daemon/uiCredentials';
import { CHROMIUM_ARGS, installExtension, startCodeServer } from '../../scripts/codeServer.mjs';

export { CHROMIUM_ARGS };


interface CodeServer {
  url: string;
  port: number;
  logPath: string;
  stop(): Promise<void>;
}

export interface WorkbenchOptions {
  outDir: string;
  vsix: string;
  /** `file`, or undefined for the OS keychain (a private Secret Service in tests). */
  keystore: 'file' | undefined;
  /** More environment for code-server and so for the extension (a test's own HOME, say). */
  env?: Record<string, string>;
}

export class Workbench {
  private constructor(
    readonly page: Page,
    private readonly browser: Browser,
    private readonly server: CodeServer,
    readonly home: string,
    readonly workspace: string,
    readonly shots: string,
  ) {}

  static async start(options: WorkbenchOptions): Promise<Workbench> {
    const { outDir } = options;
    rmSync(outDir, { recursive: true, force: true });
    const runDir = join(outDir, 'code-server');
    const home = join(outDir, 'signet-home');
    const workspace = join(outDir, 'workspace');
    const shots = join(outDir, 'screenshots');
    for (const dir of [runDir, home, join(workspace, 'src'), shots]) mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(join(workspace, 'src', 'auth.ts'), 'export const sessionTtl = 3600;\n');
    writeFileSync(join(workspace, 'README.md'), '# demo workspace\n');
    mkdirSync(join(runDir, 'user-data', 'User'), { recursive: true });
    writeFileSync(
      join(runDir, 'user-data', 'User', 'settings.json'),
      `${JSON.stringify(
        {
          ...(options.keystore ? { 'signet.keystore': options.keystore } : {}),
          'workbench.startupEditor': 'none',
          'workbench.tips.enabled': false,
          'workbench.secondarySideBar.defaultVisibility': 'hidden',
          'chat.disableAIFeatures': true,
          'extensions.autoUpdate': false,
          'extensions.autoCheckUpdates': false,
          'telemetry.telemetryLevel': 'off',
          'window.commandCenter': false,
          'git.openRepositoryInParentFolders': 'never',
          'git.enabled': false,
        },
        null,
        2,
      )}\n`,
    );
    await installExtension({ runDir, vsix: options.vsix });
    const server = (await startCodeServer({ runDir, folder: workspace, env: { ...options.env, SIGNET_HOME: home } })) as CodeServer;
    const browser = await chromium.launch({ executablePath: process.env.SIGNET_CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
    try {
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
      const page = await context.newPage();
      page.setDefaultTimeout(30_000);
      await page.goto(`${server.url}?folder=${encodeURIComponent(workspace)}`);
      await page.locator('.monaco-workbench').waitFor();
      return new Workbench(page, browser, server, home, workspace, shots);
    } catch (error) {
      await browser.close();
      await server.stop();
      throw error;
    }
  }

  runtime(): DaemonRuntimeFile {
    return JSON.parse(readFileSync(join(this.home, 'daemon.json'), 'utf8')) as DaemonRuntimeFile;
  }

  agentClient(): Promise<DaemonClient> {
    const runtime = this.runtime();
    return DaemonClient.connect({ port: runtime.port, token: runtime.agentToken });
  }

  async uiClient(): Promise<DaemonClient> {
    return DaemonClient.connect({ port: this.runtime().port, token: await readUiTokenOf(this.home) });
  }

  statusBarItem(): Locator {
    return this.page.locator('.statusbar-item').filter({ hasText: /Signet/ }).first();
  }

  /** The approval toast whose text contains `text` (a tool name or a path). */
  prompt(text: string): Locator {
    return this.page.locator('.notification-toast').filter({ hasText: text });
  }

  /**
   * The (first) prompt for `text` wherever the workbench put it: a toast, or, when toasts are crowded, the
   * notification centre (opened from the status bar's bell). A notification that arrives while earlier toasts
   * are still closing can go to the centre alone, as a person would find it.
   */
  async findPrompt(text: string): Promise<Locator> {
    const toast = this.prompt(text).first();
    try {
      await toast.waitFor({ timeout: 10_000 });
      return toast;
    } catch {
      const centre = this.page.locator('.notifications-center');
      if (!(await centre.isVisible())) await this.page.locator('[id="status.notifications"]').click();
      const item = centre.locator('.notification-list-item').filter({ hasText: text }).first();
      await item.waitFor();
      return item;
    }
  }

  async screenshot(name: string): Promise<string> {
    const path = join(this.shots, `${name}.png`);
    // Toasts slide and fade in; a picture mid-animation shows them overlapping.
    await this.page.waitForTimeout(600);
    await this.page.screenshot({ path });
    return path;
  }

  /** Runs a command from the palette, retrying while the extension host is still registering commands. */
  async runCommand(title: string): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      await this.page.keyboard.press('F1');
      const input = this.page.locator('.quick-input-widget input');
      await input.waitFor();
      await input.fill(`>${title}`);
      const row = this.page.locator('.quick-input-list .monaco-list-row').filter({ hasText: title }).first();
      try {
        await row.waitFor({ timeout: 3000 });
        await row.click();
        return;
      } catch {
        await this.page.keyboard.press('Escape');
      }
    }
    throw new Error(`the command "${title}" never showed up in the palette`);
  }

  timelineFrame(): FrameLocator {
    return this.page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
  }

  /** Opens the Signet container in the activity bar. */
  async openAgentsView(): Promise<void> {
    const tab = this.page.locator('.activitybar .action-item').filter({ has: this.page.locator('[aria-label^="Signet"]') }).first();
    await tab.click();
    // With one view in the container the workbench hides the pane header and titles the side bar instead.
    await this.page.locator('.sidebar .composite.title').filter({ hasText: /Signet/i }).first().waitFor();
  }

  treeRow(labelPart: string): Locator {
    return this.page.locator('.pane-body .monaco-list-row').filter({ hasText: labelPart });
  }

  async close(): Promise<void> {
    await this.browser.close().catch(() => undefined);
    await this.server.stop();
  }

  /** Closes the workbench and stops the daemon the extension started in it (it outlives the editor on purpose). */
  async closeWithDaemon(): Promise<void> {
    let pid: number | undefined;
    try {
      pid = this.runtime().pid;
    } catch {
      /* no daemon ran */
    }
    await this.close();
    if (pid) process.kill(pid, 'SIGTERM');
  }
}

/** node:test's `test`, leaving a screenshot of the workbench behind when a test fails. */
export function testWithScreenshots(bench: () => Workbench | undefined): (name: string, fn: () => Promise<void>) => void {
  let failures = 0;
  return (name, fn) =>
    nodeTest(name, async () => {
      try {
        await fn();
      } catch (error) {
        failures++;
        await bench()?.screenshot(`failed-${failures}`).catch(() => undefined);
        throw error;
      }
    });
}
