// The one build script. Targets: the daemon + CLI (node), later the extension (node/cjs, `vscode`
// external) and the webview (browser). Native keychain bindings stay external: they are loaded
// from node_modules at run time, never bundled.
import { build } from 'esbuild';

const watch = process.argv.includes('--watch');
const common = { bundle: true, sourcemap: 'linked', logLevel: 'warning', legalComments: 'none' };

const nodeTargets = {
  ...common,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['@napi-rs/keyring', 'vscode'],
};

await Promise.all([
  build({ ...nodeTargets, entryPoints: { cli: 'daemon/src/cli/main.ts' }, outdir: 'dist', banner: { js: '#!/usr/bin/env node' } }),
]);
if (watch) console.log('esbuild: watch is not supported yet; rerun npm run build');
