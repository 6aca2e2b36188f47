// What a server's `tools/list` says about each tool's risk, kept by the proxy and sent with the authorize request
// so that the prompt can show it. The server writes these, so they are read as claims: typed field by field,
// strings cut to a bound, anything else dropped. They never reach a decision (see ToolAnnotations in protocol.ts).
import { MAX_TOOL_DESCRIPTION_CHARS, MAX_TOOL_TITLE_CHARS, type ToolAnnotations } from '../server/protocol';

const HINTS = ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint'] as const;

function clipped(value: unknown, max: number): string | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (!text) return undefined;
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * The annotations of one listed tool, or undefined when it has none worth relaying. The tool's own `title` wins over
 * `annotations.title`, as the MCP specification orders them for display.
 */
export function toolAnnotationsOf(tool: unknown): ToolAnnotations | undefined {
  if (!tool || typeof tool !== 'object' || Array.isArray(tool)) return undefined;
  const listed = tool as Record<string, unknown>;
  const raw = listed.annotations;
  const annotations = raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  const out: ToolAnnotations = {};
  const title = clipped(listed.title, MAX_TOOL_TITLE_CHARS) ?? clipped(annotations.title, MAX_TOOL_TITLE_CHARS);
  if (title !== undefined) out.title = title;
  const description = clipped(listed.description, MAX_TOOL_DESCRIPTION_CHARS);
  if (description !== undefined) out.description = description;
  for (const hint of HINTS) if (typeof annotations[hint] === 'boolean') out[hint] = annotations[hint];
  return Object.keys(out).length ? out : undefined;
}
