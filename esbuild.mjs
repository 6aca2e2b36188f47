// The one build script. Targets: the CLI and daemon, and the SDK (node/cjs); the extension (node/cjs,
// `vscode` external, in two files); the webview (browser, one IIFE). Native bindings stay external: they
// are loaded from node_modules at run time, never bundled.
import { build } from 'esbuild';

/** Keeps `import('./signet')` in extension.ts a run-time load of dist/signet.js instead of inlining it. */
const lazyExtensionCore = {
  name: 'lazy-extension-core',
  setup(b) {
    b.onResolve({ filter: /^\.\/signet$/ }, (args) =>
      args.importer.endsWith('extension/src/extension.ts') ? { path: './signet.js', external: true } : undefined,
    );
  },
};
const common = { bundle: true, sourcemap: 'linked', logLevel: 'warning', legalComments: 'none' };

const nodeTargets = {
  ...common,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['@napi-rs/keyring', 'sodium-native', 'vscode', '@cedar-policy/cedar-wasm', '@vscode/tree-sitter-wasm'],
};

await Promise.all([
  build({ ...nodeTargets, entryPoints: { cli: 'daemon/src/cli/main.ts' }, outdir: 'dist', banner: { js: '#!/usr/bin/env node' } }),
  // The hooks' own entry point: a client runs it once per tool call, so it is bundled apart from the CLI and
  // loads only the hook and Node's built-ins (see daemon/src/hooks/hookMain.ts).
  build({ ...nodeTargets, entryPoints: { hook: 'daemon/src/hooks/hookMain.ts' }, outdir: 'dist', minify: true, keepNames: true, banner: { js: '#!/usr/bin/env node' } }),
  // The SDK for homegrown agents and tool authors (`require('signet/sdk')`): self-contained, so that its
  // ESM-only dependencies load from CommonJS too. Its types come from `tsc -p daemon/tsconfig.sdk.json`.
  build({ ...nodeTargets, entryPoints: { sdk: 'daemon/src/sdk/index.ts' }, outdir: 'dist' }),
  // The extension, in two CommonJS files so that activation stays small: dist/extension.js (what the
  // editor loads at startup: command registration and the log) and dist/signet.js (the daemon client,
  // schemas and views), which extension.ts loads with `import('./signet')` right after activating.
  build({
    ...nodeTargets,
    entryPoints: { extension: 'extension/src/extension.ts' },
    outdir: 'dist',
    minify: true,
    keepNames: true,
    plugins: [lazyExtensionCore],
  }),
  build({ ...nodeTargets, entryPoints: { signet: 'extension/src/signet.ts' }, outdir: 'dist', minify: true, keepNames: true }),
  // The audit timeline runs inside a webview (a browser): no Node built-ins, one IIFE loaded by a nonce.
  build({
    ...common,
    entryPoints: { webview: 'webview/src/main.ts' },
    outdir: 'dist',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    minify: true,
  }),
]);
