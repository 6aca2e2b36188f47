// Small pure helpers that turn protocol values into the words people read in prompts, trees and the
// status bar. Kept free of `vscode` so they can be tested under plain Node.

/** `90` → "1:30", `3725` → "1:02:05"; never negative. */
export function formatCountdown(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}

/** Seconds → "45 s", "30 min", "8 h", "2 d", for choices such as "for 8 h". */
export function formatDuration(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400} d`;
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

/** A delegation's expiry (Unix seconds or null) relative to `now` (ms): "expires in 7 h", "expired", "never expires". */
export function formatExpiry(exp: number | null, now = Date.now()): string {
  if (exp === null) return 'never expires';
  const left = exp - Math.floor(now / 1000);
  if (left <= 0) return 'expired';
  if (left < 60) return `expires in ${left} s`;
  if (left < 3600) return `expires in ${Math.round(left / 60)} min`;
  if (left < 86_400 * 2) return `expires in ${Math.round(left / 3600)} h`;
  return `expires in ${Math.round(left / 86_400)} d`;
}

/** `did:key:z6MkhaXg…` → `z6Mkha…Xg4s`: enough to tell keys apart at a glance. */
export function shortDid(did: string): string {
  const id = did.startsWith('did:key:') ? did.slice('did:key:'.length) : did;
  return id.length > 14 ? `${id.slice(0, 8)}…${id.slice(-4)}` : id;
}

/** `bafyrei…` → `bafyrei…wxyz`. */
export function shortCid(cid: string): string {
  return cid.length > 16 ? `${cid.slice(0, 10)}…${cid.slice(-6)}` : cid;
}

/** Limits a value shown inline (an argument, a path) so one huge argument cannot flood a prompt. */
export function clip(text: string, max = 120): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
