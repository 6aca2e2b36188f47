import { KeystoreError } from './keystoreError';

/**
 * Secrets are bytes; keychains and key files hold text. Base64 is the one text form used for both, and
 * it is read back strictly: anything that is not exactly what `encodeSecret` writes is reported as
 * corrupt instead of being decoded into different bytes (Node's decoder silently skips junk).
 */
export function encodeSecret(secret: Uint8Array): string {
  return Buffer.from(secret.buffer, secret.byteOffset, secret.byteLength).toString('base64');
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function decodeSecret(text: string, where: { account: string; store: string; fix: string }): Uint8Array {
  const trimmed = text.trim();
  const bytes = BASE64.test(trimmed) ? Buffer.from(trimmed, 'base64') : undefined;
  if (bytes === undefined || bytes.length === 0 || bytes.toString('base64') !== trimmed) {
    throw new KeystoreError({
      code: 'corrupt',
      account: where.account,
      problem: `The secret '${where.account}' in ${where.store} is not in the form Signet writes (base64 bytes), so it was not used.`,
      fix: where.fix,
    });
  }
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Accounts name keys ("user", "agent:coder", "ui-token"); an empty or absurdly long one is a bug. */
export function checkAccount(account: string): void {
  if (typeof account !== 'string' || account.length === 0) {
    throw new TypeError('A secret store account name must be a non-empty string.');
  }
  if (Buffer.byteLength(account, 'utf8') > 128) {
    throw new RangeError(`The secret store account name '${account.slice(0, 32)}…' is longer than 128 bytes.`);
  }
}

export function checkSecret(secret: Uint8Array): void {
  if (!(secret instanceof Uint8Array) || secret.length === 0) {
    throw new TypeError('A secret must be a non-empty Uint8Array.');
  }
}
