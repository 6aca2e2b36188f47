// Cedar and tree-sitter load their WebAssembly from beside their own files, so they stay out of the bundle and
// are required at run time: with the bundle's own `require` (CommonJS), or one made here when run from source (ESM).
import { createRequire } from 'node:module';

export function runtimeRequire(id: string): unknown {
  const requireHere = typeof require === 'function' ? require : createRequire(import.meta.url);
  return requireHere(id);
}

export function runtimeResolve(id: string): string {
  const requireHere = typeof require === 'function' ? require : createRequire(import.meta.url);
  return requireHere.resolve(id);
}
