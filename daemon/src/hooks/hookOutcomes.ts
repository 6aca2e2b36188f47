// What came of a call a hook let through: Claude Code's and VS Code's PostToolUse (and PostToolUseFailure), and
// Claude Code's SessionEnd. The hook sends digests only: of the tool's output, and of each changed file's new
// content, read from the disk after the tool ran. The daemon attaches the outcome to the allowed call by the
// client's tool_use_id (daemon/src/hooks/clientCalls.ts).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { CallOutcomeParams, HookClientName, SessionEndParams } from '../server/protocol';

/** The events that report rather than ask; the hook prints nothing for them. */
export const REPORTED_EVENTS = ['PostToolUse', 'PostToolUseFailure', 'SessionEnd'] as const;
export type ReportedEvent = (typeof REPORTED_EVENTS)[number];

export interface OutcomeReporter {
  reportOutcome(params: CallOutcomeParams): Promise<{ invocation: string | null } | { error: string }>;
  endSession(params: SessionEndParams): Promise<{ revoked: string[] } | { error: string }>;
}

export function sha256Digest(data: string | Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** Files larger than this are not read for their digest (null), so that a report never holds the client up long. */
const MAX_DIGESTED_BYTES = 256 * 1024 * 1024;

/**
 * The digest of a file's content now, or null when it cannot be read: deleted, too large, or not a regular file
 * (an agent that names a FIFO or /dev/zero must not keep the hook reading forever).
 */
export async function fileDigest(path: string): Promise<string | null> {
  try {
    const info = await stat(path);
    if (!info.isFile() || info.size > MAX_DIGESTED_BYTES) return null;
  } catch {
    return null;
  }
  return new Promise((done) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', () => done(null))
      .on('end', () => done(`sha256:${hash.digest('hex')}`));
  });
}

/**
 * The tools that change the file their input names, by lowercased name: Claude Code's, and VS Code's built-in
 * editing tools. A tool not listed here reports no changed files (a Bash command's writes are not traced).
 */
const FILE_CHANGING_TOOLS = new Set(['write', 'edit', 'multiedit', 'notebookedit', 'create_file', 'replace_string_in_file', 'multi_replace_string_in_file', 'insert_edit_into_file', 'edit_notebook_file']);
const PATH_FIELDS = ['file_path', 'filePath', 'notebook_path'] as const;

/** The files a call changed, with the digest of their content as it is now. */
export async function changedFilesOf(tool: string, input: Record<string, unknown> | undefined, cwd: string | undefined): Promise<{ path: string; digest: string | null }[] | undefined> {
  if (!FILE_CHANGING_TOOLS.has(tool.toLowerCase()) || !input) return undefined;
  const named = PATH_FIELDS.map((f) => input[f]).find((v): v is string => typeof v === 'string' && v !== '');
  if (!named) return undefined;
  const path = resolve(cwd ?? process.cwd(), named);
  return [{ path, digest: await fileDigest(path) }];
}

/** The exit status a Bash call's outcome tells: 0 for a completed call, the number in a failure's "Exit code N". */
function bashExitStatus(event: ReportedEvent, response: unknown, error: string | undefined): number | undefined {
  if (event === 'PostToolUse') return typeof response === 'object' && response !== null && (response as { interrupted?: unknown }).interrupted === true ? undefined : 0;
  const code = /^Exit code (\d+)/.exec(error ?? '');
  return code ? Number(code[1]) : undefined;
}

export interface ToolOutcome {
  client: HookClientName;
  agent: string;
  event: 'PostToolUse' | 'PostToolUseFailure';
  session: string | undefined;
  toolUseId: string;
  tool: string;
  toolInput: Record<string, unknown> | undefined;
  response: unknown;
  error: string | undefined;
  cwd: string | undefined;
}

/** The outcome record of a PostToolUse or PostToolUseFailure. */
export async function toolOutcomeParams(o: ToolOutcome): Promise<CallOutcomeParams> {
  const failed = o.event === 'PostToolUseFailure';
  const exitStatus = o.tool.toLowerCase() === 'bash' ? bashExitStatus(o.event, o.response, o.error) : undefined;
  const changedFiles = failed ? undefined : await changedFilesOf(o.tool, o.toolInput, o.cwd);
  return {
    agent: o.agent,
    call: { client: o.client, ...(o.session !== undefined ? { session: o.session } : {}), toolUseId: o.toolUseId },
    event: o.event,
    tool: o.tool,
    ...(exitStatus !== undefined ? { exitStatus } : {}),
    ...(failed ? { failed: true } : {}),
    outputDigest: sha256Digest(JSON.stringify((failed ? o.error : o.response) ?? null)),
    ...(changedFiles ? { changedFiles } : {}),
  };
}
