// Commands: "/" or slash-separated, lowercase segments with no trailing slash (UCAN spec, "Segment Structure").

/** Why `cmd` is not a valid command, or `null` when it is. */
export function commandProblem(cmd: unknown): string | null {
  if (typeof cmd !== 'string') return 'a command must be a string such as "/crud/read"';
  if (!cmd.startsWith('/')) return `the command "${cmd}" must begin with "/"`;
  if (cmd === '/') return null;
  if (cmd.endsWith('/')) return `the command "${cmd}" must not end with "/"`;
  if (cmd.includes('//')) return `the command "${cmd}" has an empty segment ("//")`;
  if (cmd.toLowerCase() !== cmd) return `the command "${cmd}" must be lowercase`;
  return null;
}

/**
 * True when a delegation of `delegatedCmd` proves `invokedCmd`: commands cover everything below them by whole
 * path segment, so "/" covers all, and "/crypto" covers "/crypto/sign" but not "/cryptocurrency".
 */
export function commandCovers(delegatedCmd: string, invokedCmd: string): boolean {
  if (delegatedCmd === '/') return true;
  return (
    invokedCmd === delegatedCmd ||
    (invokedCmd.length > delegatedCmd.length &&
      invokedCmd.startsWith(delegatedCmd) &&
      invokedCmd.charCodeAt(delegatedCmd.length) === 0x2f) // '/'
  );
}
