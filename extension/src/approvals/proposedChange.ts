// What a file-writing request would do to the file, so that a person sees the change before allowing it.
// Recognised from the shape of the arguments, whichever client sent them: MCP filesystem-style tools
// (`write_file {path, content}`, `edit_file {path, edits: [{oldText, newText}]}`), Claude Code's
// Write / Edit / MultiEdit (`file_path`, `old_string`, `new_string`, `replace_all`) and VS Code's edit tools
// (`filePath`, `oldString`, `newString`). Edits are applied the way the tool itself applies them, so the
// diff shows what would really be written, and an edit the tool would refuse is said to be refused.
// Pure: the extension reads the file on disk and shows the result in a diff editor; nothing is written.
import { basename } from 'node:path';
import type { ApprovalRequest } from '../../../daemon/src/server/protocol';

/** One replacement of an edit-style tool. */
export interface TextEdit {
  oldText: string;
  newText: string;
  /** Replace every occurrence (Claude Code's `replace_all`); otherwise exactly one must match. */
  all: boolean;
}

export type ProposedChange = (
  /** The whole file becomes `content` (a new file, or one replaced whole). */
  | { kind: 'write'; path: string; content: string }
  | { kind: 'edit'; path: string; edits: TextEdit[]; semantics: EditSemantics }
) & {
  /**
   * The argument names the change was read from. Only these may be left out of the prompt's text (the diff
   * shows them): an agent that adds `old_string` beside `content` must not hide it from the person.
   */
  consumed: readonly string[];
};

/**
 * How a tool matches an edit's old text. `unique` (Claude Code, VS Code): the old text must occur exactly
 * once unless every occurrence is replaced. `first` (the MCP filesystem server): the first occurrence, or
 * failing that the first run of lines equal to it apart from indentation, which is kept from the file.
 */
export type EditSemantics = 'unique' | 'first';

export type ChangeResult = { ok: true; after: string } | { ok: false; reason: string };

const PATH_KEYS = ['path', 'file_path', 'filePath'] as const;
const OLD_KEYS = ['oldText', 'old_string', 'oldString'] as const;
const NEW_KEYS = ['newText', 'new_string', 'newString'] as const;


function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function firstString(source: Record<string, unknown>, keys: readonly string[]): string | undefined {
  for (const key of keys) if (typeof source[key] === 'string') return source[key] as string;
  return undefined;
}

function firstKey(source: Record<string, unknown>, keys: readonly string[]): string | undefined {
  return keys.find((key) => typeof source[key] === 'string');
}

function editOf(source: Record<string, unknown>): (TextEdit & { keys: string[] }) | undefined {
  const oldKey = firstKey(source, OLD_KEYS);
  const newKey = firstKey(source, NEW_KEYS);
  if (oldKey === undefined || newKey === undefined) return undefined;
  const allKey = ['replace_all', 'replaceAll'].find((key) => key in source);
  const edit = { oldText: source[oldKey] as string, newText: source[newKey] as string, all: allKey !== undefined && source[allKey] === true };
  return { ...edit, keys: [oldKey, newKey, ...(allKey ? [allKey] : [])] };
}

/** The tool's own arguments: `arguments` of an MCP call, `input` of a hook call. */
function toolArguments(args: Record<string, unknown>): Record<string, unknown> | undefined {
  return record(args.arguments) ?? record(args.input);
}

/** The change a request proposes, or undefined when it does not write a file in a way Signet can show. */
export function proposedChangeOf(request: Pick<ApprovalRequest, 'cmd' | 'args'>): ProposedChange | undefined {
  const source = toolArguments(request.args);
  if (!source) return undefined;
  const path = firstString(source, PATH_KEYS);
  if (path === undefined) return undefined;
  if (typeof source.content === 'string') return { kind: 'write', path, content: source.content, consumed: ['content'] };
  const semantics: EditSemantics = request.cmd.startsWith('/mcp/') ? 'first' : 'unique';
  const single = editOf(source);
  if (single) {
    const { keys, ...edit } = single;
    return { kind: 'edit', path, edits: [edit], semantics, consumed: keys };
  }
  if (Array.isArray(source.edits) && source.edits.length > 0) {
    const edits = source.edits.map((edit) => (record(edit) ? editOf(record(edit)!) : undefined));
    if (edits.every((edit) => edit !== undefined)) {
      return { kind: 'edit', path, edits: edits.map(({ keys: _keys, ...edit }) => edit), semantics, consumed: ['edits'] };
    }
  }
  return undefined;
}

/** The file after the change, given its current text (undefined: it does not exist yet). */
export function applyChange(change: ProposedChange, current: string | undefined): ChangeResult {
  if (change.kind === 'write') return { ok: true, after: change.content };
  if (current === undefined) return { ok: false, reason: `${change.path} does not exist, so the tool cannot edit it` };
  let text = change.semantics === 'first' ? current.replace(/\r\n/g, '\n') : current;
  for (const [index, edit] of change.edits.entries()) {
    const applied = change.semantics === 'first' ? applyFirst(text, edit) : applyUnique(text, edit);
    if (typeof applied !== 'string') return { ok: false, reason: `edit ${index + 1} of ${change.edits.length} ${applied.reason}, so the tool would refuse it` };
    text = applied;
  }
  return { ok: true, after: text };
}

function applyUnique(text: string, edit: TextEdit): string | { reason: string } {
  if (edit.oldText === '') return { reason: 'has no text to replace' };
  const count = text.split(edit.oldText).length - 1;
  if (count === 0) return { reason: 'does not match the file' };
  if (edit.all) return text.split(edit.oldText).join(edit.newText);
  if (count > 1) return { reason: `matches ${count} places, not exactly one` };
  return text.replace(edit.oldText, () => edit.newText);
}

function applyFirst(text: string, edit: TextEdit): string | { reason: string } {
  const oldText = edit.oldText.replace(/\r\n/g, '\n');
  const newText = edit.newText.replace(/\r\n/g, '\n');
  if (text.includes(oldText)) return text.replace(oldText, () => newText);
  // The filesystem server's fallback: a run of lines equal to the old ones apart from surrounding blanks.
  const lines = text.split('\n');
  const oldLines = oldText.split('\n');
  for (let start = 0; start + oldLines.length <= lines.length; start++) {
    if (!oldLines.every((line, i) => line.trim() === lines[start + i]!.trim())) continue;
    lines.splice(start, oldLines.length, ...reindent(newText.split('\n'), oldLines, indentOf(lines[start]!)));
    return lines.join('\n');
  }
  return { reason: 'does not match the file' };
}

function indentOf(line: string): string {
  return /^\s*/.exec(line)![0];
}

/**
 * The new lines placed at the matched lines' indentation, as the filesystem server places them: the first
 * at the file's indentation, and each later one that is indented (as is its old counterpart) by how much
 * deeper it is than that old line.
 */
function reindent(newLines: string[], oldLines: string[], fileIndent: string): string[] {
  return newLines.map((line, i) => {
    if (i === 0) return fileIndent + line.trimStart();
    const oldIndent = indentOf(oldLines[i] ?? '');
    const newIndent = indentOf(line);
    if (oldIndent === '' || newIndent === '') return line;
    return fileIndent + ' '.repeat(Math.max(0, newIndent.length - oldIndent.length)) + line.trimStart();
  });
}

/** What a request would do to its file, as the prompt and the diff editor show it. */
export type ChangeSummary =
  | { path: string; exists: boolean; after: string; added: number; removed: number }
  | { path: string; exists: boolean; refused: string };

/** `auth.ts: +12 −3` for the prompt, whose first line already names the whole path. */
export function summaryText(summary: ChangeSummary): string {
  const name = basename(summary.path);
  if ('refused' in summary) return `${name}: ${summary.refused}`;
  return `${name}${summary.exists ? '' : ' (new file)'}: +${summary.added} −${summary.removed}`;
}
