// Kept by hand in step with package.json's version; the daemon reports it in `daemon/status`.
export const SIGNET_VERSION = '0.1.0';
