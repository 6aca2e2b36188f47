#!/usr/bin/env node
// Stands in for the VS Code executable that `@vscode/test-electron`'s runTests() starts, on machines where
// desktop VS Code cannot be downloaded: it takes the same command line (`--extensionDevelopmentPath=…`,
// `--extensionTestsPath=…`, `--user-data-dir=…`, a folder), runs the same tests in the real extension host
// of code-server, driven by Chromium, and exits with the tests' exit code.
//
// The workbench runs the tests when its URL carries them as a `payload` of vscode-remote:// URIs and
// code-server runs with the smoke-test driver; it then calls window.codeAutomationExit(code), and sends
// the extension host's console through window.codeAutomationLog(type, args).
import { createWriteStream, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { format } from 'node:util';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, startCodeServer } from '../../scripts/codeServer.mjs';


/** Lines the workbench itself logs on every start (sockets, chat, accounts, the offline gallery). */
const WORKBENCH_NOISE =
  /^(\[(AgentHost(?::remote)?|ChatModelSelection|AccountPolicyGate|reconnection-grace-time|Service Worker)\]|Creation of workbench contribution|Resolving connection token|Resolved connection token|Creating a socket|Updating additional builtin|Timed out waiting for authentication provider|getaddrinfo ENOTFOUND|\s+at )/;

function parseArgs(argv) {
  const parsed = { developmentPaths: [], testsPath: undefined, userDataDir: undefined, extensionsDir: undefined, folder: undefined };
  for (const arg of argv) {
    const [name, ...rest] = arg.split('=');
    const value = rest.join('=');
    if (name === '--extensionDevelopmentPath') parsed.developmentPaths.push(resolve(value));
    else if (name === '--extensionTestsPath') parsed.testsPath = resolve(value);
    else if (name === '--user-data-dir') parsed.userDataDir = resolve(value);
    else if (name === '--extensions-dir') parsed.extensionsDir = resolve(value);
    else if (!arg.startsWith('-')) parsed.folder = resolve(arg);
    // Electron-only switches (--no-sandbox, --disable-updates, …) mean nothing to code-server.
  }
  return parsed;
}

/** printf-style arguments as the extension host's console sends them; `%c` styles are dropped. */
function formatLog(args) {
  if (!Array.isArray(args)) return String(args);
  const [first, ...rest] = args;
  if (typeof first === 'string' && first.includes('%c')) {
    let skip = (first.match(/%c/g) ?? []).length;
    const kept = rest.filter(() => skip-- <= 0);
    return format(first.replaceAll('%c', ''), ...kept);
  }
  return format(...args);
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (!args.testsPath || args.developmentPaths.length === 0) {
    console.error('codeServerLauncher: needs --extensionTestsPath=… and --extensionDevelopmentPath=…');
    return 2;
  }
  const runDir = args.userDataDir ? dirname(args.userDataDir) : mkdtempSync(join(tmpdir(), 'signet-code-server-'));
  mkdirSync(runDir, { recursive: true });
  const timeoutMs = Number(process.env.SIGNET_EXTENSION_TEST_TIMEOUT_MS ?? 240_000);
  const server = await startCodeServer({
    runDir,
    smokeTestDriver: true,
    ...(args.userDataDir ? { userDataDir: args.userDataDir } : {}),
    ...(args.extensionsDir ? { extensionsDir: args.extensionsDir } : {}),
  });
  const browser = await chromium.launch({ executablePath: process.env.SIGNET_CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  let cleanedUp = false;
  const cleanup = async () => {
    if (cleanedUp) return;
    cleanedUp = true;
    await browser.close().catch(() => undefined);
    await server.stop();
  };
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => void cleanup().then(() => process.exit(130)));
  }
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    let settle;
    const exited = new Promise((r) => (settle = r));
    // Everything the workbench and the extension host log goes to a file; the terminal gets what is not
    // the workbench's own chatter (SIGNET_LAUNCHER_VERBOSE=1 shows all of it).
    const consoleLog = createWriteStream(join(runDir, 'console.log'), { flags: 'a' });
    const verbose = process.env.SIGNET_LAUNCHER_VERBOSE === '1';
    await page.exposeFunction('codeAutomationLog', (type, logArgs) => {
      const line = formatLog(logArgs);
      consoleLog.write(`[${type}] ${line}\n`);
      if (!verbose && WORKBENCH_NOISE.test(line)) return;
      if (type === 'error') process.stderr.write(`${line}\n`);
      else process.stdout.write(`${line}\n`);
    });
    await page.exposeFunction('codeAutomationExit', (code) => settle(Number(code) || 0));
    page.on('pageerror', (error) => process.stderr.write(`[workbench] ${error.message}\n`));
    const remote = (path) => `vscode-remote://127.0.0.1:${server.port}${path}`;
    const payload = [
      ...args.developmentPaths.map((p) => ['extensionDevelopmentPath', remote(p)]),
      ['extensionTestsPath', remote(args.testsPath)],
    ];
    const query = new URLSearchParams();
    if (args.folder) query.set('folder', args.folder);
    else query.set('ew', 'true');
    query.set('payload', JSON.stringify(payload));
    await page.goto(`${server.url}?${query.toString()}`);
    const timer = new Promise((r) => setTimeout(() => r('timeout'), timeoutMs));
    const code = await Promise.race([exited, timer]);
    if (code === 'timeout') {
      const shot = join(runDir, 'timeout.png');
      await page.screenshot({ path: shot }).catch(() => undefined);
      console.error(`codeServerLauncher: the tests did not finish within ${timeoutMs / 1000} s (screenshot ${shot}, log ${server.logPath})`);
      return 1;
    }
    return code;
  } finally {
    await cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`codeServerLauncher: ${error instanceof Error ? (error.stack ?? error.message) : error}`);
    process.exit(1);
  },
);
