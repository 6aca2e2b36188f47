// The fixed bytes of a Signet UCAN envelope, in a file with no dependencies so that the webview checks tokens
// with the very constants the daemon writes them with (see envelope.ts for the layout).

/** Varsig v1: 0x34 varsig, 0x01 version 1, 0xed01 EdDSA, 0xed01 curve edwards25519, 0x13 SHA2-512, 0x71 DAG-CBOR. */
export const ed25519DagCborVarsigHeader: Uint8Array = Uint8Array.of(0x34, 0x01, 0xed, 0x01, 0xed, 0x01, 0x13, 0x71);

/** A canonical envelope starts with these: a list of 2 (0x82), then a byte string of 64 (0x58 0x40), the signature. */
export const envelopePrefix = [0x82, 0x58, 0x40] as const;

/** Where the signed bytes (the SigPayload) begin: right after the prefix and the 64 signature bytes. */
export const signedOffset = envelopePrefix.length + 64;
