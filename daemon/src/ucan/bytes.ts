// A plain loop: for the few bytes of a varsig header or a CID, wrapping them in a Buffer or calling multiformats'
// `equals` costs more than comparing, and Buffer is not there in a browser (the webview uses this too).
export function sameBytes(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
