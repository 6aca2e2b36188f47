// Durations as people type them, for the CLI's --ttl and --approval-timeout and the extension's offered
// durations alike, so that both accept exactly the same words.

/** `"90"`, `"45s"`, `"30m"`, `"1h"`, `"2d"` → seconds; undefined for anything else, zero included. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+)\s*([smhd]?)$/.exec(text.trim());
  if (!match) return undefined;
  const value = Number(match[1]);
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 }[match[2] ?? ''] ?? 1;
  return value > 0 ? value * unit : undefined;
}
