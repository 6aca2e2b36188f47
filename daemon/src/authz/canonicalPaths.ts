// Before any policy sees a path, the path is made canonical: absolute, resolved against the workspace
// root, `.`/`..`/duplicate slashes folded, and every symlink along it followed. A policy such as
// `like .arguments.path "/repo/src/*"` then means what it says: `src/../secret.txt` arrives as
// `/repo/secret.txt`, and `src/link-to-etc/passwd` arrives as `/etc/passwd`.
import { lstatSync, readlinkSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';

/** Argument names whose string values are paths, anywhere in the arguments tree. */
const PATH_KEY = /^(path|paths|file|files|filename|filepath|file_path|dir|dirs|directory|folder|cwd|root|source|destination|dest|target|uri|old_path|new_path|notebook_path)$/i;

export interface CanonicalArgs {
  args: Record<string, unknown>;
  /** Every path found, canonical, in the order met. */
  paths: string[];
}

/** Returns a copy of `args` with every path-like string canonicalised against `workspace`. */
export function canonicalizeArgs(args: Record<string, unknown>, workspace: string): CanonicalArgs {
  const root = canonicalDirectory(workspace);
  const paths: string[] = [];
  const visit = (value: unknown, key: string | undefined): unknown => {
    if (typeof value === 'string') {
      if (key === undefined || !PATH_KEY.test(key) || !isFilePath(value)) return value;
      const canonical = canonicalPath(value, root);
      paths.push(canonical);
      return canonical;
    }
    if (typeof value !== 'object' || value === null || value instanceof Uint8Array) return value;
    if (Array.isArray(value)) return value.map((v) => visit(v, key));
    const source = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(source)) {
      const canonical = visit(source[k], k);
      // A "__proto__" key (JSON.parse makes it an own key) stays one: assigning it would set the copy's prototype
      // instead, and the key and any path under it would leave the arguments unchecked.
      if (k === '__proto__') Object.defineProperty(out, k, { value: canonical, enumerable: true, writable: true, configurable: true });
      else out[k] = canonical;
    }
    return out;
  };
  return { args: visit(args, undefined) as Record<string, unknown>, paths };
}

/** Plain paths and `file:` URIs name files; `https://…` or `test://…` under a `uri` key do not. */
function isFilePath(value: string): boolean {
  return value.startsWith('file:') || !/^[a-z][a-z0-9+.-]*:/i.test(value);
}

/**
 * The absolute real path of `path` (relative ones against `base`), resolved one component at a time the
 * way the kernel does: a symlink is replaced by its target before a following `..` applies, so
 * `src/link/../x` lands next to the link's target, not in `src/`. Components that do not exist yet (a
 * file about to be written) are appended as they are.
 */
export function canonicalPath(path: string, base: string): string {
  const withoutScheme = path.startsWith('file://') ? decodeURIComponent(new URL(path).pathname) : path;
  const start = isAbsolute(withoutScheme) ? '/' : canonicalDirectory(base);
  return walk(start, withoutScheme.split('/'), 0);
}

const MAX_SYMLINK_HOPS = 40;

/**
 * Workspace roots are resolved once a second at most: every request names one, and walking it costs a
 * system call per folder. A root re-pointed meanwhile is seen within that second. Requests name absolute roots
 * (the protocol refuses others); a relative one from inside the daemon is taken against its working directory.
 */
const rootCache = new Map<string, { real: string; until: number }>();
const ROOT_CACHE_MS = 1000;

function canonicalDirectory(path: string): string {
  const now = Date.now();
  const cached = rootCache.get(path);
  if (cached && cached.until > now) return cached.real;
  // An absolute root is walked as written, so that a `..` after a symlink in it lands where the kernel would.
  const real = walk('/', (isAbsolute(path) ? path : resolve(path)).split('/'), 0);
  if (rootCache.size > 64) rootCache.clear();
  rootCache.set(path, { real, until: now + ROOT_CACHE_MS });
  return real;
}

function walk(start: string, components: string[], hops: number): string {
  let current = start;
  for (let i = 0; i < components.length; i++) {
    const component = components[i] ?? '';
    if (component === '' || component === '.') continue;
    if (component === '..') {
      current = dirname(current);
      continue;
    }
    const candidate = join(current, component);
    const stats = lstatSync(candidate, { throwIfNoEntry: false });
    if (!stats) {
      // Nothing exists here yet: the rest cannot be a symlink, so it is appended as written.
      return resolve(candidate, ...components.slice(i + 1).filter((c) => c !== ''));
    }
    if (stats.isSymbolicLink()) {
      if (hops >= MAX_SYMLINK_HOPS) throw new Error(`too many symbolic links resolving ${candidate}`);
      const target = readlinkSync(candidate);
      current = walk(isAbsolute(target) ? '/' : current, target.split('/'), hops + 1);
    } else {
      current = candidate;
    }
  }
  return current;
}
