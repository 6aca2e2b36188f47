// MCP 2026-07-28's custom headers from tool parameters (streamable-http, "Custom Headers from Tool Parameters"): a
// tool marks a parameter of its `inputSchema` with `x-mcp-header: Name`, and a client mirrors the argument into
// `Mcp-Param-Name` on every tools/call POST, so that gateways can route on it without reading the body. Two parties
// then read one call from two places, which is exactly what a hostile agent would exploit: a header that says one
// thing to whatever routes or acts on it, on a body that the guard checked and that says another.
//
// Here: which declarations are valid (an invalid one makes the whole tool invalid, and a client must drop it from
// tools/list), the headers a body gives, and the check that the headers a request carries are exactly those.

/** Where a tool's `x-mcp-header` parameters sit in its arguments: header name as declared → property path. */
export type ParamHeaders = Map<string, string[]>;

/** A tool's declarations, or why they are invalid. */
export type ToolHeaderDeclarations = { headers: ParamHeaders } | { invalid: string };

/** RFC 9110's token (`1*tchar`), which the spec requires of an `x-mcp-header` value. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const PRIMITIVE_TYPES = new Set(['string', 'integer', 'boolean']);
/** Nesting beyond this is not walked, and a schema that deep is refused rather than half read. */
const MAX_SCHEMA_DEPTH = 32;

/** A header value as the revision's Value Encoding rules want it: as is when it is safe ASCII, else the Base64 sentinel. */
export function encodeHeaderValue(value: string): string {
  const safe = /^[\x20-\x7e\t]*$/.test(value) && value.trim() === value && !(value.startsWith('=?base64?') && value.endsWith('?='));
  return safe ? value : `=?base64?${Buffer.from(value, 'utf8').toString('base64')}?=`;
}

/** The reverse of encodeHeaderValue, for a side that checks headers against a body. */
export function decodeHeaderValue(value: string): string {
  const match = /^=\?base64\?([A-Za-z0-9+/=]*)\?=$/.exec(value);
  return match ? Buffer.from(match[1] ?? '', 'base64').toString('utf8') : value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Why one declaration is invalid, or undefined when it is valid (everything but its reachability, checked by the walk). */
function declarationProblem(name: unknown, property: Record<string, unknown>, seen: Set<string>): string | undefined {
  if (typeof name !== 'string' || !TOKEN.test(name)) return `x-mcp-header ${JSON.stringify(name)} is not an HTTP header name token`;
  if (seen.has(name.toLowerCase())) return `x-mcp-header "${name}" is declared twice (header names are case-insensitive)`;
  if (typeof property.type !== 'string' || !PRIMITIVE_TYPES.has(property.type)) return `x-mcp-header "${name}" is on a parameter of type ${JSON.stringify(property.type)}, not string, integer or boolean`;
  return undefined;
}

/**
 * The declarations of one `inputSchema`, checked against every constraint the spec puts on them: a token name,
 * unique without regard to case, on a string, integer or boolean parameter, reachable from the root through
 * `properties` keys alone. An `x-mcp-header` anywhere else (under `items`, `oneOf`, `$ref`…) invalidates the tool.
 */
export function toolHeaderDeclarations(schema: unknown): ToolHeaderDeclarations {
  const headers: ParamHeaders = new Map();
  const seen = new Set<string>();
  let invalid: string | undefined;
  const visit = (node: unknown, path: string[], reachable: boolean, depth: number): void => {
    if (invalid !== undefined || node === null || typeof node !== 'object') return;
    if (depth > MAX_SCHEMA_DEPTH) {
      invalid = `the input schema is nested more than ${MAX_SCHEMA_DEPTH} levels deep`;
      return;
    }
    if (Array.isArray(node)) return node.forEach((item) => visit(item, path, false, depth + 1));
    const record = node as Record<string, unknown>;
    if (Object.hasOwn(record, 'x-mcp-header')) {
      const name = record['x-mcp-header'];
      if (!reachable || path.length === 0) invalid = `x-mcp-header ${JSON.stringify(name)} is not on a property reached from the root through "properties" alone`;
      else invalid = declarationProblem(name, record, seen);
      if (invalid !== undefined) return;
      seen.add((name as string).toLowerCase());
      headers.set(name as string, path);
    }
    for (const [key, child] of Object.entries(record)) {
      if (key === 'properties' && isObject(child)) {
        for (const [property, sub] of Object.entries(child)) visit(sub, [...path, property], reachable, depth + 1);
      } else if (key !== 'x-mcp-header') {
        visit(child, path, false, depth + 1);
      }
    }
  };
  visit(schema, [], true, 0);
  return invalid === undefined ? { headers } : { invalid };
}

/** The valid declarations of a schema; none for an invalid one (whose tool is dropped anyway). */
export function paramHeadersOf(schema: unknown): ParamHeaders {
  const declarations = toolHeaderDeclarations(schema);
  return 'headers' in declarations ? declarations.headers : new Map();
}

function valueAt(args: unknown, path: readonly string[]): unknown {
  let value: unknown = args;
  for (const key of path) value = isObject(value) && Object.hasOwn(value, key) ? value[key] : undefined;
  return value;
}

/** The header text of an argument, per Value Encoding's type conversion; undefined means the header is omitted. */
function headerText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return undefined;
}

/** The `Mcp-Param-*` headers a call's arguments give, encoded; a null or absent argument gives none. */
export function paramHeaderValues(args: unknown, declarations: ParamHeaders): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, path] of declarations) {
    const text = headerText(valueAt(args, path));
    if (text !== undefined) headers[`Mcp-Param-${name}`] = encodeHeaderValue(text);
  }
  return headers;
}

type HeaderBag = Record<string, string | string[] | undefined>;

/** The `mcp-param-*` headers of a request (Node's lowercase names), each as one value. */
export function incomingParamHeaders(headers: HeaderBag): Map<string, string> {
  const found = new Map<string, string>();
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && name.toLowerCase().startsWith('mcp-param-')) found.set(name.toLowerCase(), Array.isArray(value) ? value.join(', ') : value);
  }
  return found;
}

/** Whether a header's text, decoded, is the argument: integers compared as numbers, as Server Validation advises. */
function sameValue(header: string, expected: string, argument: unknown): boolean {
  const decoded = decodeHeaderValue(header);
  if (typeof argument === 'number') return /^-?\d+(\.0*)?$/.test(decoded) && Number(decoded) === argument;
  return decoded === expected;
}

/**
 * Why the `Mcp-Param-*` headers a tools/call carries are not exactly those its arguments give, or undefined when
 * they are: a header that disagrees, one missing for an argument the body has, one for an argument the body lacks,
 * one the tool does not declare, or one that is not a plain header value.
 */
export function paramHeaderMismatch(headers: HeaderBag, args: unknown, declarations: ParamHeaders): string | undefined {
  const incoming = incomingParamHeaders(headers);
  for (const [name, path] of declarations) {
    const argument = valueAt(args, path);
    const expected = headerText(argument);
    const header = incoming.get(`mcp-param-${name.toLowerCase()}`);
    incoming.delete(`mcp-param-${name.toLowerCase()}`);
    if (header !== undefined && !/^[\x20-\x7e\t]*$/.test(header)) return `the Mcp-Param-${name} header holds characters a header value may not`;
    if (expected === undefined && header !== undefined) return `the Mcp-Param-${name} header says "${decodeHeaderValue(header)}" but the body has no value for it`;
    if (expected !== undefined && header === undefined) return `the Mcp-Param-${name} header is missing, but the body's ${path.join('.')} is "${expected}"`;
    if (expected !== undefined && header !== undefined && !sameValue(header, expected, argument)) return `the Mcp-Param-${name} header says "${decodeHeaderValue(header)}" but the body's ${path.join('.')} is "${expected}"`;
  }
  const [extra] = incoming.keys();
  return extra === undefined ? undefined : `the request carries ${extra}, which the tool does not declare`;
}

/**
 * The declarations of every tool a server listed, as read from its tools/list answers (each page adds to it). A
 * tool whose declarations are invalid is kept as such, so that a call to it can be refused by name.
 */
export class ToolHeaderBook {
  private readonly tools = new Map<string, ToolHeaderDeclarations>();
  private static readonly maxTools = 10_000;

  /** Reads one tools/list result; returns the tools it holds whose declarations are invalid, with why. */
  note(result: unknown): { name: string; invalid: string }[] {
    const tools = isObject(result) ? result.tools : undefined;
    if (!Array.isArray(tools)) return [];
    const rejected: { name: string; invalid: string }[] = [];
    for (const tool of tools as unknown[]) {
      if (!isObject(tool) || typeof tool.name !== 'string') continue;
      const declarations = toolHeaderDeclarations(tool.inputSchema);
      if (this.tools.size >= ToolHeaderBook.maxTools && !this.tools.has(tool.name)) this.tools.clear();
      this.tools.set(tool.name, declarations);
      if ('invalid' in declarations) rejected.push({ name: tool.name, invalid: declarations.invalid });
    }
    return rejected;
  }

  /** A listed tool's declarations; undefined for a tool never listed. */
  of(tool: string): ToolHeaderDeclarations | undefined {
    return this.tools.get(tool);
  }
}
