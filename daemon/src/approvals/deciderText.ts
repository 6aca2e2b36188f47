// Who decided an approval, as one line for people: the timeline, the agents view, the prompt, the CLI and the
// report all say it the same way. Dependency-free (the webview bundles it) and defensive: it reads records
// from the log, which may be older than this code or odd, and never throws.
//
// The shapes are those of `Decider` in decider.ts; they are repeated loosely here on purpose, so that an
// older record (with only `decidedBy`) or a damaged one still reads as something honest.

type Data = Record<string, unknown>;

function object(value: unknown): Data | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Data) : undefined;
}

/**
 * A string from the record, with control characters shown as "?": an executable's path is chosen by whoever
 * made the file, and terminal escapes in it must not reach `signet approvals` or the log as they are.
 */
function text(value: unknown): string | undefined {
  // eslint-disable-next-line no-control-regex
  return typeof value === 'string' && value.length > 0 ? value.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?') : undefined;
}

/** The process part: `node (pid 4242, started by bash)`, or why it could not be verified. */
export function describeProcess(identity: unknown): string {
  const peer = object(identity);
  if (!peer || peer.verified !== true) {
    const reason = text(peer?.reason);
    return `an unverified process${reason ? ` (${reason})` : ''}`;
  }
  const proc = object(peer.process);
  const parents = Array.isArray(peer.parents) ? peer.parents.map(object).filter((p): p is Data => p !== undefined) : [];
  const exe = text(proc?.executable) ?? 'an unreadable executable';
  const parent = parents[0] ? ` started by ${baseName(text(parents[0].executable) ?? '?')} (pid ${String(parents[0].pid)})` : '';
  return `${exe} (pid ${String(proc?.pid ?? '?')}${parent ? `,${parent}` : ''})`;
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1) || path;
}

/**
 * `alice in code-server, window "demo"`, `alice at the command line: /usr/bin/node (pid 4242, …)`; for a record
 * without a decider, what the client said (`vscode`, `cli`), marked as said.
 */
export function describeDecider(decider: unknown, decidedBy?: unknown): string {
  const d = object(decider);
  const place = object(d?.place);
  if (!d || !place) {
    const said = text(decidedBy);
    return said ? `${said} (as the client said; not verified)` : 'someone (not recorded)';
  }
  const user = text(object(d.osUser)?.name) ?? 'the user';
  if (place.kind === 'editor') {
    const window = text(place.workspace) ? `window "${String(place.workspace)}"` : 'a window with no folder';
    const app = text(place.app) ?? 'an editor';
    const mismatch = place.processMatches === false ? `, but the connection came from ${describeProcess(place.process)}` : '';
    return `${user} in ${app}, ${window} (as the editor said${mismatch})`;
  }
  return `${user} outside the editor, by ${describeProcess(place.process)}`;
}

/** True when the record says the decision was not made in an editor window. */
export function decidedOutsideEditor(decider: unknown): boolean {
  return object(decider)?.outsideEditor === true;
}

/**
 * The warning a later prompt carries (`earlierOutsideEditor` of a request): "an earlier approval for this agent
 * was made outside the editor, by …". Empty when there is nothing to say.
 */
export function outsideEditorWarning(summary: { count: number; latest: { by: string; decidedAt: string } } | undefined): string {
  if (!summary) return '';
  const more = summary.count > 1 ? ` (${summary.count} such approvals; the latest at ${summary.latest.decidedAt})` : ` (at ${summary.latest.decidedAt})`;
  return `an earlier approval for this agent was made outside the editor, by ${summary.latest.by.replace(/^.*? outside the editor, by /, '')}${more}`;
}
