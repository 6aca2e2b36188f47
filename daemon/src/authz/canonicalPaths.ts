// Before any policy sees a path, the path is made canonical: absolute, resolved against the workspace root, `.`,
// `..` and duplicate slashes folded, and every symlink along it followed, one component at a time, the way the
// kernel does. The proxy and the hooks then hand the tool these canonical values instead of the agent's raw ones,
// so the file a person approved is the file the tool opens: a server that resolves `..` lexically, expands `~`,
// or takes relative paths against a folder of its own choosing has nothing left to resolve differently.
//
// Which strings are paths is decided from the value and from the tool's own input schema, never from a fixed
// list of names alone. A string is left alone as "not a path" only when the schema says it is text and the value
// has no `/`, `~`, `..` or scheme in it. Where the name or schema says path, the value is rewritten canonical, and
// what cannot be made canonical unambiguously (`~`, a scheme Signet does not understand, a relative `file:` URI,
// a component after a file) is refused with a stable code. A value that only looks like a path is never rewritten
// (it may be text); a string that could be a path but cannot be told for sure is listed as unclassified, so that
// it counts against every path narrowing (fail closed).
import { lstat, readlink } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { PathRefusalCode, PathRefusalDetail } from '../server/protocol';

/** A path-like argument Signet refuses to authorize, with the argument's place in the tree and its value. */
export class PathRefusal extends Error {
  constructor(
    readonly code: PathRefusalCode,
    /** Where the value sits, as a JSON Pointer into the arguments (`/arguments/paths/1`). */
    readonly at: string,
    readonly value: string,
    message: string,
  ) {
    super(message);
    this.name = 'PathRefusal';
  }

  get detail(): PathRefusalDetail {
    return { code: this.code, at: this.at, value: this.value };
  }
}

/** Prefix of a `_paths` entry for a string that may be a path but could not be classified (fails every narrowing). */
export const UNCLASSIFIED_MARK = 'unclassified:';
/** Prefix of a `_paths` entry for an existing file with more than one hard link (fails every narrowing). */
export const HARD_LINKED_MARK = 'hard-linked:';

/** Linux's PATH_MAX and NAME_MAX, in bytes: the kernel refuses anything longer, so Signet does not walk it. */
export const MAX_PATH_BYTES = 4096;
const MAX_NAME_BYTES = 255;
/** More path-like strings than this in one call are refused rather than examined one system call at a time. */
export const MAX_PATHS_PER_CALL = 256;
/** Nor more than this many bytes of paths in all, so that one call cannot ask for a million system calls. */
const MAX_PATH_BYTES_PER_CALL = 64 * 1024;
const MAX_SYMLINK_HOPS = 40;

export interface CanonicalArgs {
  /** The arguments with every path canonical, in the syntax it came in (a `file:` URI stays one). */
  args: Record<string, unknown>;
  /** Every path met, canonical, in the order met; unclassified strings and hard-linked files marked. */
  paths: string[];
}

/**
 * What the schema (or the argument's name) says about one value: a path for sure, perhaps a path (a name such as
 * `to` or `output`, or a description that speaks of files, which text arguments also have), a URI, text, or
 * nothing known.
 */
type Hint = 'path' | 'maybe-path' | 'uri' | 'text' | 'unknown';

/** Names that mean a path whatever the schema says: `path`, `file_path`, `outputDir`, `cwd`, `source`, `targetPath`… */
const PATH_NAME = /(paths?|files?|filenames?|dirs?|directory|directories|folders?|cwd|root|roots|src|source|sources|dest|destination|target|workdir|notebook)$/i;
/** Names that are paths for some tools and text for others (`to` of a mail, `output` of a command). */
const MAYBE_PATH_NAME = /(^|[_-]|[a-z](?=[A-Z]))(to|from|input|output|out|location|uri|uris|url|urls)$/i;
/** A description that speaks of a path. */
const PATH_WORDS = /\b(paths?|files?|filenames?|director(y|ies)|folders?)\b/i;
const SCHEME = /^([a-z][a-z0-9+.-]*):/i;

interface JsonSchema {
  type?: unknown;
  format?: unknown;
  description?: unknown;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  additionalProperties?: unknown;
}

function asSchema(value: unknown): JsonSchema | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as JsonSchema) : undefined;
}

function hintFor(key: string | undefined, schema: JsonSchema | undefined): Hint {
  if (schema && (schema.format === 'uri' || schema.format === 'uri-reference' || schema.format === 'iri')) return 'uri';
  if (key !== undefined && PATH_NAME.test(key)) return 'path';
  if (key !== undefined && MAYBE_PATH_NAME.test(key)) return 'maybe-path';
  if (schema && typeof schema.description === 'string' && PATH_WORDS.test(schema.description)) return 'maybe-path';
  if (schema) return 'text';
  return 'unknown';
}

/** A value no tool could read as a path, whatever it expects there: no slash, no `~`, no `..`, no scheme. */
function plainText(value: string): boolean {
  return !value.includes('/') && !value.startsWith('~') && !value.includes('..') && !SCHEME.test(value) && !value.includes('\0');
}

/** A value that is a path by its look alone. */
function looksLikePath(value: string): boolean {
  return value.startsWith('/') || value.startsWith('~') || value.startsWith('./') || value.startsWith('../') || value === '.' || value === '..' || /^file:/i.test(value);
}

/**
 * Returns a copy of `args` with every path canonical against `workspace`. `schema` is a JSON Schema for the whole
 * of `args` (the proxy's tools/list `inputSchema` sits under `arguments` in it); without one, names and values
 * decide. Throws `PathRefusal` for what cannot be made canonical.
 */
export async function canonicalizeArgs(args: Record<string, unknown>, workspace: string, schema?: unknown): Promise<CanonicalArgs> {
  const root = await canonicalDirectory(workspace);
  const paths: string[] = [];
  let pathCount = 0;
  let pathBytes = 0;
  const visit = async (value: unknown, key: string | undefined, node: JsonSchema | undefined, at: string): Promise<unknown> => {
    if (typeof value === 'string') {
      const hint = hintFor(key, node);
      const kind = classify(value, hint);
      if (kind === 'text') return value;
      const unclassified = (text: string) => {
        paths.push(`${UNCLASSIFIED_MARK}${text}`);
        return text;
      };
      if (kind === 'unclassified') return unclassified(value);
      const bytes = Buffer.byteLength(value);
      const withinBudget = ++pathCount <= MAX_PATHS_PER_CALL && (pathBytes += bytes) <= MAX_PATH_BYTES_PER_CALL;
      if (hint !== 'path' && hint !== 'uri' && hint !== 'maybe-path') {
        // A path by its look alone, where the schema declares text or says nothing (`content: "// header"`):
        // rewriting it could change text, so it is taken as a path only when it is canonical already, and as
        // unclassified otherwise. Never refused: it may not be a path at all.
        return (await alreadyCanonical(value, root, at, withinBudget && bytes <= MAX_PATH_BYTES, paths)) ? value : unclassified(value);
      }
      if (!withinBudget && bytes <= MAX_PATH_BYTES) {
        throw new PathRefusal('too-many-paths', at, value.slice(0, 64), `the call names more than ${MAX_PATHS_PER_CALL} paths, or more than ${MAX_PATH_BYTES_PER_CALL} bytes of them`);
      }
      const { canonical, forwarded, hardLinked } = await canonicalArgument(value, root, at);
      paths.push(hardLinked ? `${HARD_LINKED_MARK}${canonical}` : canonical);
      return forwarded;
    }
    if (typeof value !== 'object' || value === null || value instanceof Uint8Array) return value;
    if (Array.isArray(value)) {
      const items = asSchema(node?.items);
      const out: unknown[] = [];
      for (let i = 0; i < value.length; i++) out.push(await visit(value[i], key, items, `${at}/${i}`));
      return out;
    }
    const source = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    const properties = node?.properties;
    const additional = asSchema(node?.additionalProperties);
    for (const k of Object.keys(source)) {
      const childSchema = properties && Object.hasOwn(properties, k) ? asSchema(properties[k]) : additional;
      const canonical = await visit(source[k], k, childSchema, `${at}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`);
      // A "__proto__" key (JSON.parse makes it an own key) stays one: assigning it would set the copy's prototype
      // instead, and the key and any path under it would leave the arguments unchecked.
      if (k === '__proto__') Object.defineProperty(out, k, { value: canonical, enumerable: true, writable: true, configurable: true });
      else out[k] = canonical;
    }
    return out;
  };
  return { args: (await visit(args, undefined, asSchema(schema), '')) as Record<string, unknown>, paths };
}

/** Whether `value` is a path in canonical form already; if so, its canonical entry is added to `paths`. */
async function alreadyCanonical(value: string, root: string, at: string, worthAsking: boolean, paths: string[]): Promise<boolean> {
  if (!worthAsking || value.includes('\n')) return false;
  try {
    const { canonical, forwarded, hardLinked } = await canonicalArgument(value, root, at);
    if (forwarded !== value) return false;
    paths.push(hardLinked ? `${HARD_LINKED_MARK}${canonical}` : canonical);
    return true;
  } catch (error) {
    if (error instanceof PathRefusal) return false;
    throw error;
  }
}

function classify(value: string, hint: Hint): 'path' | 'text' | 'unclassified' {
  const scheme = SCHEME.exec(value)?.[1]?.toLowerCase();
  if (hint === 'path') return 'path';
  // An opaque URI of another scheme (`test://static/1`, `https://…`) names no file Signet can check, unless a
  // path is expected there: then it is refused, since a server would read it as a relative path.
  if (scheme !== undefined && scheme !== 'file') return 'unclassified';
  if (hint === 'uri' || looksLikePath(value)) return 'path';
  if (hint === 'maybe-path') return plainText(value) ? 'unclassified' : 'path';
  if (hint === 'text' && plainText(value)) return 'text';
  return 'unclassified';
}

/** The canonical path of one argument, and the value to forward in its own syntax. */
async function canonicalArgument(value: string, root: string, at: string): Promise<{ canonical: string; forwarded: string; hardLinked: boolean }> {
  if (value.includes('\0')) throw new PathRefusal('nul-byte', at, value, `${at || 'a path'} contains a NUL byte`);
  if (Buffer.byteLength(value) > MAX_PATH_BYTES * 3) throw new PathRefusal('too-long', at, value.slice(0, 64), `${at || 'a path'} is longer than the kernel takes`);
  const scheme = SCHEME.exec(value)?.[1]?.toLowerCase();
  let raw = value;
  let isUri = false;
  if (scheme === 'file') {
    raw = filePathOfUri(value, at);
    isUri = true;
  } else if (scheme !== undefined) {
    throw new PathRefusal('unknown-scheme', at, value, `${value} has a "${scheme}:" scheme where a file path is expected; Signet only understands file: URIs there`);
  }
  if (raw.startsWith('~')) {
    throw new PathRefusal('home-relative', at, value, `${value} starts with "~", which the kernel does not expand and tools expand each their own way; give the absolute path`);
  }
  const canonical = await canonicalPathAt(raw, root, at);
  const stats = await lstat(canonical).catch(() => undefined);
  const hardLinked = stats !== undefined && !stats.isDirectory() && stats.nlink > 1;
  return { canonical, forwarded: isUri ? pathToFileURL(canonical).href : canonical, hardLinked };
}

/** The absolute path inside a `file:` URI, refused when readers could disagree on it. */
function filePathOfUri(value: string, at: string): string {
  if (!/^file:\/\//i.test(value) && !/^file:\/[^/]/i.test(value)) {
    throw new PathRefusal('relative-file-uri', at, value, `${value} is a file: URI without an absolute path, which URL parsers and path functions read differently`);
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new PathRefusal('ambiguous-file-uri', at, value, `${value} is not a well-formed file: URI`);
  }
  if (url.host !== '' && url.host.toLowerCase() !== 'localhost') {
    throw new PathRefusal('file-uri-host', at, value, `${value} names the host "${url.host}", which some readers drop; Signet takes local file: URIs only`);
  }
  if (url.search !== '' || url.hash !== '' || value.includes('?') || value.includes('#') || /%2f|%00|%5c/i.test(url.pathname)) {
    throw new PathRefusal('ambiguous-file-uri', at, value, `${value} has a query, a fragment or an encoded "/" or NUL, which some readers keep and some drop`);
  }
  // Percent-decoding is the URL's own; a `..` that decoding reveals is resolved below like any other.
  return fileURLToPath(new URL(`file://${url.pathname}`));
}

/**
 * The absolute real path of `path` (relative ones against `base`), resolved one component at a time the way the
 * kernel does: a symlink is replaced by its target before a following `..` applies, so `src/link/../x` lands next
 * to the link's target, not in `src/`. Components that do not exist yet (a file about to be written) are appended
 * as they are. Never blocks the event loop: each component is one asynchronous `lstat`.
 */
export async function canonicalPath(path: string, base: string): Promise<string> {
  return canonicalPathAt(path, await canonicalDirectory(base), '');
}

async function canonicalPathAt(path: string, base: string, at: string): Promise<string> {
  checkLength(path, at);
  const start = isAbsolute(path) ? '/' : base;
  return walk(start, path.split('/'), { hops: 0, at, value: path });
}

function checkLength(path: string, at: string): void {
  if (Buffer.byteLength(path) > MAX_PATH_BYTES) {
    throw new PathRefusal('too-long', at, path.slice(0, 64), `${at || 'a path'} is ${Buffer.byteLength(path)} bytes long, more than the ${MAX_PATH_BYTES} the kernel takes`);
  }
  for (const component of path.split('/')) {
    if (Buffer.byteLength(component) > MAX_NAME_BYTES) {
      throw new PathRefusal('too-long', at, path.slice(0, 64), `${at || 'a path'} has a component longer than the ${MAX_NAME_BYTES} bytes the kernel takes`);
    }
  }
}

/**
 * Workspace roots are resolved once a second at most: every request names one, and walking it costs a system call
 * per folder. A root re-pointed meanwhile is seen within that second. Requests name absolute roots (the protocol
 * refuses others); a relative one from inside the daemon is taken against its working directory.
 */
const rootCache = new Map<string, { real: string; until: number }>();
const ROOT_CACHE_MS = 1000;

async function canonicalDirectory(path: string): Promise<string> {
  const now = Date.now();
  const cached = rootCache.get(path);
  if (cached && cached.until > now) return cached.real;
  // An absolute root is walked as written, so that a `..` after a symlink in it lands where the kernel would.
  const absolute = isAbsolute(path) ? path : resolve(path);
  checkLength(absolute, '');
  const real = await walk('/', absolute.split('/'), { hops: 0, at: '', value: absolute });
  if (rootCache.size > 64) rootCache.clear();
  rootCache.set(path, { real, until: now + ROOT_CACHE_MS });
  return real;
}

interface WalkState {
  hops: number;
  at: string;
  value: string;
}

async function walk(start: string, components: string[], state: WalkState): Promise<string> {
  let current = start;
  for (let i = 0; i < components.length; i++) {
    const component = components[i] ?? '';
    if (component === '' || component === '.') continue;
    if (component === '..') {
      current = dirname(current);
      continue;
    }
    const candidate = join(current, component);
    let stats;
    try {
      stats = await lstat(candidate);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOTDIR') throw new PathRefusal('not-a-directory', state.at, state.value, `${state.value}: ${current} is not a directory`);
      if (code !== 'ENOENT') throw new PathRefusal('unreadable', state.at, state.value, `${candidate} could not be examined (${code ?? 'error'})`);
      // Nothing exists here yet: the rest cannot be a symlink, so it is appended as written.
      const rest = resolve(candidate, ...components.slice(i + 1).filter((c) => c !== ''));
      checkLength(rest, state.at);
      return rest;
    }
    if (stats.isSymbolicLink()) {
      if (++state.hops > MAX_SYMLINK_HOPS) throw new PathRefusal('symlink-loop', state.at, state.value, `too many symbolic links resolving ${candidate}`);
      const target = await readlink(candidate);
      current = await walk(isAbsolute(target) ? '/' : current, target.split('/'), state);
    } else {
      if (!stats.isDirectory() && components.slice(i + 1).some((c) => c !== '' && c !== '.')) {
        throw new PathRefusal('not-a-directory', state.at, state.value, `${state.value}: ${candidate} is not a directory, so nothing can lie below it`);
      }
      current = candidate;
    }
    checkLength(current, state.at);
  }
  return current;
}

/**
 * The first of `paths` (a `_paths` list) that no longer resolves to itself, with what it resolves to now, or
 * undefined when all still do: a component swapped for a symlink since the check shows up here. Unclassified
 * entries name nothing to look at.
 */
export async function firstChangedPath(paths: readonly unknown[]): Promise<{ path: string; now: string } | undefined> {
  for (const entry of paths) {
    if (typeof entry !== 'string') continue;
    const path = entry.startsWith(HARD_LINKED_MARK) ? entry.slice(HARD_LINKED_MARK.length) : entry;
    if (!path.startsWith('/')) continue;
    let now: string;
    try {
      now = await canonicalPath(path, '/');
    } catch (error) {
      now = (error as Error).message;
    }
    if (now !== path) return { path, now };
  }
  return undefined;
}
