// Types of extension/packageVsix.mjs, the packaging script, for the tests that use it.

/** vsce target → the napi-rs triple naming its @napi-rs/keyring binary. */
export const TARGETS: Record<string, string>;
export const MAX_PACKAGE_BYTES: number;
export const SODIUM_TARGETS: Set<string>;
export function hostTarget(): string;
export function vsixPath(target?: string): string;
export function packageProblems(entries: string[], size: number, target: string): string[];
export function packageVsix(options?: { target?: string; out?: string }): Promise<{ path: string; size: number; target: string; entries: string[] }>;
