// Shell commands are understood, not matched as strings. A command line is parsed with tree-sitter-bash (the
// build VS Code itself uses to split terminal commands) and decomposed into the simple commands it would run:
// every part of `a && b; c | d`, the commands inside `$(…)`, backticks and process substitutions, the script of
// `bash -c '…'`, and the command behind `env`, `sudo`, `nice`, `timeout`, `xargs`, `find -exec` and their kin.
// Redirect targets and path-like arguments are canonicalised like tool paths. Whatever the policy cannot see
// through (a parse error, `eval`, a variable or a substitution where a program or an argument should be, a glob,
// a script read from a file or from stdin) is reported as opaque, and the owner policy asks for it.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { canonicalPath } from '../authz/canonicalPaths';
import { runtimeRequire, runtimeResolve } from './runtimeRequire';

/** The subset of web-tree-sitter's node the decomposition reads. */
interface SyntaxNode {
  readonly type: string;
  readonly text: string;
  readonly isError: boolean;
  readonly isMissing: boolean;
  readonly hasError: boolean;
  readonly children: (SyntaxNode | null)[];
  readonly namedChildren: (SyntaxNode | null)[];
  childForFieldName(name: string): SyntaxNode | null;
}

interface TreeSitterParser {
  setLanguage(language: unknown): void;
  parse(text: string): { rootNode: SyntaxNode; delete(): void } | null;
}

interface TreeSitterModule {
  Parser: { init(options: { locateFile: (file: string) => string }): Promise<void>; new (): TreeSitterParser };
  Language: { load(input: Uint8Array): Promise<unknown> };
}

export type PathAccess = 'read' | 'write' | 'argument';

export interface ShellPath {
  path: string;
  access: PathAccess;
}

export interface SimpleCommand {
  /** The program's base name (`/usr/bin/git` → `git`), after wrappers such as `sudo` and `env` are taken off. */
  program: string;
  /** The words of the command after the wrappers, quotes removed; `argv[0]` is the program as written. */
  argv: string[];
  /** The wrappers taken off, outermost first (`sudo`, `bash -c`, `xargs`). */
  via: string[];
  /** The program of the command that feeds this one's stdin in a pipeline (`curl` in `curl x | sh`), or "". */
  stdinFrom: string;
  /** Canonical paths this command names: its redirect targets and path-like arguments. */
  paths: ShellPath[];
}

export interface ShellAnalysis {
  commands: SimpleCommand[];
  /** Every canonical path any command names, redirect targets included. */
  paths: ShellPath[];
  /** Why the policy cannot see through the command line, when it cannot; empty when it can. */
  opaque: string[];
}

const SHELLS = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh', 'mksh', 'ash', 'fish', 'busybox']);
/** Variables that change which program runs or what a shell does before the command line's own commands. */
const HIJACKING_VARIABLES = /^(PATH|LD_[A-Z_]+|DYLD_[A-Z_]+|BASH_ENV|ENV|IFS|PROMPT_COMMAND|SHELLOPTS|BASHOPTS|GIT_[A-Z_]*(SSH|EXEC|EDITOR|PAGER|CONFIG)[A-Z_]*|PAGER|EDITOR|VISUAL|NODE_OPTIONS|PYTHONSTARTUP|PERL5OPT)$/;
const MAX_NESTING = 8;

let parserPromise: Promise<TreeSitterParser> | undefined;

/** Loads tree-sitter and its bash grammar once; later calls share the parser. */
export function loadShellParser(): Promise<TreeSitterParser> {
  parserPromise ??= (async () => {
    // Loaded at run time from node_modules (kept out of the bundle with its WebAssembly beside it).
    const entry = runtimeResolve('@vscode/tree-sitter-wasm');
    const { Parser, Language } = runtimeRequire('@vscode/tree-sitter-wasm') as TreeSitterModule;
    const dir = dirname(entry);
    await Parser.init({ locateFile: (file) => join(dir, file) });
    const bash = await Language.load(readFileSync(join(dir, 'tree-sitter-bash.wasm')));
    const parser = new Parser();
    parser.setLanguage(bash);
    return parser;
  })();
  parserPromise.catch(() => (parserPromise = undefined));
  return parserPromise;
}

/** A word's value: known (`value`), or unknown because it expands at run time (`dynamic` says how). */
type WordValue = { value: string; dynamic?: undefined } | { value?: undefined; dynamic: string };

class Decomposer {
  readonly commands: SimpleCommand[] = [];
  readonly paths: ShellPath[] = [];
  readonly opaque: string[] = [];
  /** The program of the last command that ran itself (not a wrapper): what a pipeline feeds the next stage from. */
  private lastProgram = '';
  /** Every directory a relative path may be resolved against: a `cd` adds one, and none is ever taken away. */
  private readonly cwds: string[];

  constructor(
    private readonly parser: TreeSitterParser,
    cwd: string,
  ) {
    this.cwds = [cwd];
  }

  async run(script: string, via: string[], stdinFrom: string, depth: number): Promise<void> {
    if (depth > MAX_NESTING) return void this.opaque.push('shell scripts nested too deeply');
    const tree = this.parser.parse(script);
    if (!tree) return void this.opaque.push('the command line could not be parsed');
    try {
      if (tree.rootNode.hasError) this.opaque.push(`the command line does not parse as a shell script: ${JSON.stringify(script.slice(0, 80))}`);
      await this.visit(tree.rootNode, via, stdinFrom, depth);
    } finally {
      tree.delete();
    }
  }

  private async visit(node: SyntaxNode, via: string[], stdinFrom: string, depth: number): Promise<void> {
    switch (node.type) {
      case 'command':
        return await this.command(node, via, stdinFrom, depth);
      case 'pipeline': {
        let from = stdinFrom;
        for (const child of node.namedChildren) {
          if (!child) continue;
          this.lastProgram = '';
          await this.visit(child, via, from, depth);
          from = this.lastProgram || from;
        }
        return;
      }
      case 'file_redirect':
        return await this.redirect(node, via, depth);
      case 'function_definition':
        // The body runs whenever the name is called later on, so its commands are decided as if they ran.
        break;
      case 'for_statement':
      case 'select_statement':
        this.opaque.push('a loop variable feeds commands the policy cannot see in advance');
        break;
      case 'variable_assignment':
        this.assignment(node);
        break;
    }
    for (const child of node.namedChildren) if (child) await this.visit(child, via, stdinFrom, depth);
  }

  private assignment(node: SyntaxNode): void {
    const name = node.childForFieldName('name')?.text ?? '';
    if (HIJACKING_VARIABLES.test(name)) this.opaque.push(`${name}= changes which program runs or how`);
  }

  private async redirect(node: SyntaxNode, via: string[], depth: number): Promise<void> {
    const destination = node.childForFieldName('destination');
    const operator = node.children.find((c) => c && !c.isMissing && /^[<>&|]+$/.test(c.type))?.type ?? '>';
    if (!destination) return;
    await this.nested(destination, via, depth);
    const word = this.wordValue(destination);
    if (word.dynamic !== undefined) return void this.opaque.push(`a redirect target that expands at run time (${destination.text})`);
    // `>&2`, `2>&1`, `<&-` name descriptors, not files; the null device and the standard streams are no files either.
    if (operator.includes('&') && /^(\d+|-)$/.test(word.value)) return;
    if (/^\/dev\/(null|stdout|stderr|tty|fd\/[0-2])$/.test(word.value)) return;
    await this.addPaths(word.value, operator === '<' ? 'read' : 'write', undefined);
  }

  private async command(node: SyntaxNode, via: string[], stdinFrom: string, depth: number): Promise<void> {
    const words: WordValue[] = [];
    for (const child of node.namedChildren) {
      if (!child) continue;
      if (child.type === 'variable_assignment') {
        this.assignment(child);
        await this.nested(child, via, depth);
        continue;
      }
      if (child.type === 'file_redirect' || child.type === 'herestring_redirect' || child.type === 'heredoc_redirect') {
        await this.visit(child, via, stdinFrom, depth);
        continue;
      }
      const word = child.type === 'command_name' ? (child.namedChildren[0] ?? child) : child;
      await this.nested(word, via, depth);
      words.push(this.wordValue(word));
    }
    await this.simple(words, via, stdinFrom, depth);
  }

  /** Commands inside substitutions of a word are decided like any other. */
  private async nested(node: SyntaxNode, via: string[], depth: number): Promise<void> {
    if (node.type === 'command_substitution' || node.type === 'process_substitution') {
      for (const child of node.namedChildren) if (child) await this.visit(child, [...via, node.type === 'command_substitution' ? '$(…)' : '<(…)'], '', depth);
      return;
    }
    for (const child of node.namedChildren) if (child) await this.nested(child, via, depth);
  }

  private async simple(words: WordValue[], via: string[], stdinFrom: string, depth: number): Promise<void> {
    if (words.length === 0) return;
    const first = words[0]!;
    if (first.dynamic !== undefined) return void this.opaque.push(`the program to run is not known before it runs (${first.dynamic})`);
    const unknown = words.filter((w) => w.dynamic !== undefined).map((w) => w.dynamic);
    const argv = words.map((w) => w.value ?? '');
    const program = basename(first.value);

    const unwrapped = unwrap(program, argv);
    if (unwrapped.kind === 'opaque') this.opaque.push(unwrapped.reason);
    if (unwrapped.kind === 'script') {
      await this.record(program, argv.slice(0, -1), via, stdinFrom);
      if (unknown.length) return void this.opaque.push(`${program} -c with a script that expands at run time`);
      return await this.run(unwrapped.script, [...via, `${program} -c`], stdinFrom, depth + 1);
    }
    if (unwrapped.kind === 'wrapper') {
      await this.record(program, argv.slice(0, argv.length - unwrapped.rest.length), via, stdinFrom);
      if (unwrapped.warning) this.opaque.push(unwrapped.warning);
      if (unwrapped.addsArguments) this.opaque.push(`${program} adds arguments the policy cannot see (${unwrapped.rest[0] ?? 'a command'} gets them)`);
      const restWords = words.slice(words.length - unwrapped.rest.length);
      return await this.simple(restWords, [...via, program], program === 'xargs' ? stdinFrom : stdinFrom, depth);
    }
    if (unknown.length) this.opaque.push(`${program} has arguments that expand at run time (${unknown.join(', ')})`);
    if (program === 'cd' || program === 'pushd') {
      const target = argv.slice(1).find((a) => !a.startsWith('-'));
      if (target !== undefined) {
        for (const cwd of [...this.cwds]) this.cwds.push(await canonicalPath(expandTilde(target), cwd));
      }
    }
    await this.record(program, argv, via, stdinFrom);
    this.lastProgram = program;
    if (unwrapped.kind === 'exec') {
      // `{}` is each file found: unknown, but below the search roots, which are named as its paths.
      const roots = argv.slice(1, Math.max(1, argv.findIndex((a, i) => i > 0 && /^[-(!]/.test(a))));
      for (const root of roots.length ? roots : ['.']) await this.addPaths(root, 'argument', undefined);
      for (const sub of unwrapped.commands) {
        const before = this.commands.length;
        await this.simple(sub.map((value) => (value === '{}' ? { dynamic: '{}' } : { value })), [...via, `${program} -exec`], '', depth);
        for (const c of this.commands.slice(before)) for (const root of roots.length ? roots : ['.']) c.paths.push(...await this.addPaths(root, 'argument', undefined));
      }
    }
  }

  private async record(program: string, argv: string[], via: string[], stdinFrom: string): Promise<void> {
    const paths: ShellPath[] = [];
    for (const arg of argv.slice(1)) {
      const value = arg.startsWith('-') ? (arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : '') : arg;
      if (value === '' || /^[a-z][a-z0-9+.-]*:\/\//i.test(value)) continue;
      // A plain word (`status`, `main`, `TODO`) names a file only if one of that name is there; each path costs a
      // Cedar evaluation, and a word that names nothing cannot be read.
      if (/^[^./~]+$/.test(value) && !this.cwds.some((cwd) => existsSync(join(cwd, value)))) continue;
      paths.push(...await this.addPaths(value, 'argument', undefined));
    }
    this.commands.push({ program, argv, via, stdinFrom, paths });
  }

  private async addPaths(value: string, access: PathAccess, into: ShellPath[] | undefined): Promise<ShellPath[]> {
    const expanded = expandTilde(value);
    const found: ShellPath[] = [];
    for (const cwd of expanded.startsWith('/') ? [this.cwds[0]!] : this.cwds) {
      let path: string;
      try {
        path = await canonicalPath(expanded, cwd);
      } catch (error) {
        this.opaque.push(`a path could not be resolved: ${(error as Error).message}`);
        continue;
      }
      if (!found.some((p) => p.path === path)) found.push({ path, access });
    }
    for (const p of found) if (!this.paths.some((q) => q.path === p.path && q.access === p.access)) this.paths.push(p);
    into?.push(...found);
    return found;
  }

  /** The literal value of a word, or why it has none. */
  private wordValue(node: SyntaxNode): WordValue {
    switch (node.type) {
      case 'word':
      case 'command_name': {
        const text = node.type === 'command_name' ? node.text : node.text;
        if (/(^|[^\\])[*?[]/.test(text)) return { dynamic: `the glob ${text}` };
        if (/^~[^/]+/.test(text)) return { dynamic: `the home folder of another user (${text})` };
        return { value: text.replace(/\\(.)/gs, '$1') };
      }
      case 'number':
        return { value: node.text };
      case 'raw_string':
        return { value: node.text.slice(1, -1) };
      case 'ansi_c_string':
        return { dynamic: `the ANSI-C string ${node.text}` };
      case 'string': {
        let value = '';
        for (const child of node.namedChildren) {
          if (!child) continue;
          if (child.type === 'string_content') {
            value += child.text.replace(/\\([$`"\\\n])/g, '$1');
            continue;
          }
          const part = this.wordValue(child);
          if (part.dynamic !== undefined) return { dynamic: node.text };
          value += part.value;
        }
        return { value };
      }
      case 'concatenation': {
        let value = '';
        for (const child of node.namedChildren) {
          if (!child) continue;
          const part = this.wordValue(child);
          if (part.dynamic !== undefined) return part;
          value += part.value;
        }
        return { value };
      }
      case 'simple_expansion':
      case 'expansion':
        if (/^\$\{?HOME\}?$/.test(node.text)) return { value: homedir() };
        return { dynamic: node.text };
      default:
        return { dynamic: node.text };
    }
  }
}

function expandTilde(value: string): string {
  if (value === '~') return homedir();
  if (value.startsWith('~/')) return join(homedir(), value.slice(2));
  return value;
}

type Unwrapped =
  | { kind: 'plain' }
  | { kind: 'opaque'; reason: string }
  | { kind: 'script'; script: string }
  | { kind: 'wrapper'; rest: string[]; addsArguments: boolean; warning?: string }
  | { kind: 'exec'; commands: string[][] };

/** Options of wrapper programs that take a value as the next word. */
const WRAPPER_VALUE_OPTIONS: Record<string, Set<string>> = {
  sudo: new Set(['-u', '-g', '-C', '-D', '-h', '-p', '-r', '-t', '-U', '-T', '-R', '--user', '--group', '--chdir', '--host', '--prompt', '--role', '--type', '--other-user', '--command-timeout']),
  doas: new Set(['-u', '-C']),
  env: new Set(['-u', '--unset', '-C', '--chdir']),
  nice: new Set(['-n', '--adjustment']),
  ionice: new Set(['-c', '-n', '-t', '--class', '--classdata', '-p', '-P', '-u']),
  timeout: new Set(['-s', '--signal', '-k', '--kill-after']),
  stdbuf: new Set(['-i', '-o', '-e']),
  xargs: new Set(['-I', '-i', '-n', '-P', '-d', '-L', '-l', '-s', '-E', '-e', '-a', '--max-args', '--max-procs', '--delimiter', '--max-lines', '--arg-file', '--replace']),
  exec: new Set(['-a']),
  command: new Set([]),
  builtin: new Set([]),
  nohup: new Set([]),
  time: new Set(['-f', '-o', '--format', '--output']),
  setsid: new Set([]),
  chrt: new Set([]),
  taskset: new Set([]),
  unbuffer: new Set([]),
  caffeinate: new Set([]),
  flock: new Set(['-w', '-E', '--timeout', '--conflict-exit-code']),
  watch: new Set(['-n', '--interval', '-d']),
};

/** What `program argv…` really runs: itself, another command behind a wrapper, or a script. */
function unwrap(program: string, argv: string[]): Unwrapped {
  if (program === 'eval') return { kind: 'opaque', reason: 'eval runs text the policy cannot see before it runs' };
  if (program === 'source' || program === '.') return { kind: 'opaque', reason: `${program} runs the commands of a file` };
  if (SHELLS.has(program)) return shellInvocation(program, argv);
  if (program === 'find') {
    const commands: string[][] = [];
    for (let i = 1; i < argv.length; i++) {
      if (!/^-(exec|execdir|ok|okdir)$/.test(argv[i]!)) continue;
      const end = argv.findIndex((a, j) => j > i && (a === ';' || a === '+'));
      commands.push(argv.slice(i + 1, end === -1 ? undefined : end));
      if (end === -1) break;
      i = end;
    }
    return commands.length ? { kind: 'exec', commands } : { kind: 'plain' };
  }
  const valueOptions = WRAPPER_VALUE_OPTIONS[program];
  if (!valueOptions) return { kind: 'plain' };
  let i = 1;
  let warning: string | undefined;
  // `timeout DURATION cmd`, `taskset MASK cmd`, `chrt PRIO cmd`, `flock FILE cmd`: one positional before the command.
  let positionalsBefore = program === 'timeout' || program === 'taskset' || program === 'chrt' || program === 'flock' ? 1 : 0;
  for (; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === '--') {
      i++;
      break;
    }
    if (program === 'env' && /^[A-Za-z_][A-Za-z0-9_]*=/.test(word)) {
      const name = word.slice(0, word.indexOf('='));
      if (HIJACKING_VARIABLES.test(name)) warning = `env ${name}= changes which program runs or how`;
      continue;
    }
    if (program === 'env' && (word === '-S' || word.startsWith('--split-string') || /^-[^-]*S/.test(word))) {
      return { kind: 'opaque', reason: 'env -S splits a string into a command the policy cannot see' };
    }
    if (program === 'command' && (word === '-v' || word === '-V')) return { kind: 'plain' };
    if ((program === 'sudo' && (word === '-s' || word === '-i' || word === '--shell' || word === '--login')) || (program === 'sudo' && word === '-e')) {
      if (word === '-e') return { kind: 'plain' };
      if (i === argv.length - 1) return { kind: 'opaque', reason: 'sudo starts a shell that reads commands the policy cannot see' };
      continue;
    }
    if (word.startsWith('-') && word.length > 1) {
      if (valueOptions.has(word)) i++;
      continue;
    }
    if (positionalsBefore > 0) {
      positionalsBefore--;
      continue;
    }
    break;
  }
  const rest = argv.slice(i);
  if (rest.length === 0) {
    if (program === 'xargs') return { kind: 'wrapper', rest: ['echo'], addsArguments: true };
    return { kind: 'plain' };
  }
  return { kind: 'wrapper', rest, addsArguments: program === 'xargs', ...(warning ? { warning } : {}) };
}

function shellInvocation(program: string, argv: string[]): Unwrapped {
  for (let i = 1; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === '--' || !word.startsWith('-') || word === '-') {
      if (program === 'busybox' && i === 1) return { kind: 'wrapper', rest: argv.slice(1), addsArguments: false };
      return { kind: 'opaque', reason: `${program} runs a script file or stdin the policy cannot see` };
    }
    if (/^-[a-zA-Z]*c[a-zA-Z]*$/.test(word) || word === '--command') {
      const script = argv[i + 1];
      if (script === undefined) return { kind: 'opaque', reason: `${program} -c without a script` };
      return { kind: 'script', script };
    }
    if (word === '-o' || word === '+o' || word === '-O' || word === '+O' || word === '--rcfile' || word === '--init-file') i++;
  }
  return { kind: 'opaque', reason: `${program} reads commands from stdin the policy cannot see` };
}

/** Decomposes `script`, run in `cwd`, into its simple commands and the paths they name. */
export async function analyzeShellCommand(script: string, cwd: string): Promise<ShellAnalysis> {
  const parser = await loadShellParser();
  return analyzeWith(parser, script, cwd);
}

/** The same, with a parser already loaded (see loadShellParser). */
export async function analyzeWith(parser: TreeSitterParser, script: string, cwd: string): Promise<ShellAnalysis> {
  const decomposer = new Decomposer(parser, cwd);
  await decomposer.run(script, [], '', 0);
  return { commands: decomposer.commands, paths: decomposer.paths, opaque: [...new Set(decomposer.opaque)] };
}
