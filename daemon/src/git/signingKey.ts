// An agent's signing key in OpenSSH's form, from its did:key: the same Ed25519 key, so the agent's DID and the key
// git and GitHub show are one identity. Kept apart from the signing code so that the editor can show a key
// without bundling any of it.
import { publicKeyFromDidKey } from '../ucan/didKey';

export const KEY_TYPE = 'ssh-ed25519';

/** An SSH wire string: a 32-bit big-endian length, then the bytes. */
export function sshString(value: Uint8Array | string): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/** The SSH wire form of an Ed25519 public key: string "ssh-ed25519", string key. */
export function ed25519PublicKeyBlob(publicKey: Uint8Array): Buffer {
  return Buffer.concat([sshString(KEY_TYPE), sshString(publicKey)]);
}

/** `ssh-ed25519 AAAA… comment`: the line authorized_keys, allowed_signers and GitHub's key form take. */
export function formatOpenSshPublicKey(publicKey: Uint8Array, comment?: string): string {
  return `${KEY_TYPE} ${ed25519PublicKeyBlob(publicKey).toString('base64')}${comment ? ` ${comment}` : ''}`;
}

/** The OpenSSH form of a did:key's signing key, its comment the principal git shows: `coder@signet.local`. */
export function signingKeyLine(principal: { did: string; name: string }): string {
  return formatOpenSshPublicKey(publicKeyFromDidKey(principal.did), `${principal.name}@signet.local`);
}
