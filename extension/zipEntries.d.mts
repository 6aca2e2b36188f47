/** The file names in a .zip (a .vsix is one), read from its central directory. */
export function listZipEntries(zip: Buffer): string[];
