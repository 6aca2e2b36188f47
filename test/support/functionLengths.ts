// Measures the functions of a source tree with the TypeScript compiler's own parser: every function declaration,
// method, constructor, accessor, function expression and arrow function with a block body, by the lines its body
// spans. A test holds daemon/src to a limit with it (test/unit/functionLength.test.ts).
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

export interface MeasuredFunction {
  /** `path/from/root.ts#name`, the name qualified by its class or enclosing function where it has one. */
  id: string;
  lines: number;
}

export function measureFunctions(root: string, dir: string): MeasuredFunction[] {
  return sourceFiles(dir).flatMap((file) => measureFile(relative(root, file).split('\\').join('/'), readFileSync(file, 'utf8')));
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

export function measureFile(path: string, text: string): MeasuredFunction[] {
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const found: MeasuredFunction[] = [];
  const lineOf = (position: number) => source.getLineAndCharacterOfPosition(position).line;
  const visit = (node: ts.Node, scope: string[]): void => {
    let inner = scope;
    if (ts.isFunctionLike(node) && 'body' in node && node.body && ts.isBlock(node.body)) {
      const name = [...scope, nameOf(node)].join('.');
      found.push({ id: `${path}#${name}`, lines: lineOf(node.body.getEnd()) - lineOf(node.body.getStart(source)) + 1 });
      inner = [...scope, nameOf(node)];
    } else if (ts.isClassLike(node)) {
      inner = [...scope, node.name?.text ?? '(class)'];
    }
    ts.forEachChild(node, (child) => visit(child, inner));
  };
  visit(source, []);
  return found;
}

/** A function's own name, or the name it is given: the variable, property or key it is assigned to. */
function nameOf(node: ts.SignatureDeclaration): string {
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  if (node.name && (ts.isIdentifier(node.name) || ts.isPrivateIdentifier(node.name) || ts.isStringLiteral(node.name))) return node.name.text;
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  if (ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) {
    const key = parent.name;
    if (ts.isIdentifier(key) || ts.isStringLiteral(key) || ts.isPrivateIdentifier(key)) return key.text;
  }
  if (ts.isCallExpression(parent)) {
    const callee = parent.expression;
    return `(${ts.isPropertyAccessExpression(callee) ? callee.name.text : ts.isIdentifier(callee) ? callee.text : 'call'} callback)`;
  }
  return '(anonymous)';
}
