// What the Policies view shows of the owner policy, as pure data: one row per policy file that applies in this
// workspace (the user's `~/.signet/policy/*.cedar`, the default rules among them, and the workspace's
// `.signet/policy.cedar`) with its state, and under a broken file each problem with its line. Kept free of
// `vscode` so that the words are tested under plain Node.
import { basename } from 'node:path';
import type { PolicyFileState, PolicyStateResult } from '../../../daemon/src/server/protocol';
import { clip } from '../format';

export type PolicyNode =
  | { kind: 'file'; file: PolicyFileState }
  | { kind: 'problem'; file: PolicyFileState; line: number; message: string }
  | { kind: 'pending'; file: PolicyFileState; ruleIds: string[] }
  | { kind: 'info'; label: string; detail: string };

export interface PolicyRow {
  label: string;
  description: string;
  tooltip: string;
  /** A codicon name. */
  icon: 'shield' | 'error' | 'warning' | 'info' | 'clock';
  /** Where a click opens: the file at that line. */
  open?: { file: string; line: number };
  expandable: boolean;
}

/** Top-level nodes: the files, or one line saying why there are none. */
export function policyRoots(state: PolicyStateResult | undefined, error?: string): PolicyNode[] {
  if (error) return [{ kind: 'info', label: 'Policy state unavailable', detail: error }];
  if (!state) return [];
  if (!state.enabled) return [{ kind: 'info', label: 'No owner policy', detail: 'this daemon runs without owner policy rules' }];
  if (!state.files.length) return [{ kind: 'info', label: 'No policy files', detail: `add rules in ${state.userDir} or ${state.workspaceFile}` }];
  const order = (f: PolicyFileState) => (f.scope === 'workspace' ? 2 : f.defaults ? 0 : 1);
  return [...state.files].sort((a, b) => order(a) - order(b) || a.file.localeCompare(b.file)).map((file) => ({ kind: 'file', file }));
}

export function policyChildren(node: PolicyNode): PolicyNode[] {
  if (node.kind !== 'file') return [];
  const problems: PolicyNode[] = node.file.problems.map((p) => ({ kind: 'problem', file: node.file, line: p.line, message: p.message }));
  const pending: PolicyNode[] = node.file.pendingRemoval.length ? [{ kind: 'pending', file: node.file, ruleIds: node.file.pendingRemoval }] : [];
  return [...problems, ...pending];
}

function stateWords(f: PolicyFileState): string {
  if (f.state === 'broken') return f.everValid ? `broken: its last valid version (${f.rules} rule${f.rules === 1 ? '' : 's'}) is in force` : 'broken: never loaded, so every call is denied';
  const rules = `${f.rules} rule${f.rules === 1 ? '' : 's'} loaded`;
  return f.pendingRemoval.length ? `${rules}; ${f.pendingRemoval.length} removal${f.pendingRemoval.length === 1 ? '' : 's'} to confirm` : rules;
}

export function policyRow(node: PolicyNode): PolicyRow {
  switch (node.kind) {
    case 'file': {
      const f = node.file;
      const scope = f.scope === 'workspace' ? 'workspace (may only tighten)' : f.defaults ? 'default rules' : 'user';
      const first = f.problems[0];
      return {
        label: basename(f.file),
        description: `${scope} · ${stateWords(f)}`,
        tooltip: `${f.file}\n${stateWords(f)}${first ? `\nline ${first.line}: ${first.message}` : ''}`,
        icon: f.state === 'broken' ? 'error' : f.pendingRemoval.length ? 'clock' : 'shield',
        open: { file: f.file, line: first?.line ?? 1 },
        expandable: f.problems.length > 0 || f.pendingRemoval.length > 0,
      };
    }
    case 'problem':
      return {
        label: `line ${node.line}: ${clip(node.message, 160)}`,
        description: '',
        tooltip: `${node.file.file}:${node.line}\n${node.message}`,
        icon: node.file.state === 'broken' ? 'error' : 'warning',
        open: { file: node.file.file, line: node.line },
        expandable: false,
      };
    case 'pending':
      return {
        label: `pending confirmation: ${clip(node.ruleIds.join(', '), 120)}`,
        description: 'run `signet policy confirm` to let the removal take effect',
        tooltip: `Rules deleted or weakened in ${node.file.file} stay in force until you confirm: any agent in the workspace can write this file.\n${node.ruleIds.join('\n')}`,
        icon: 'clock',
        open: { file: node.file.file, line: 1 },
        expandable: false,
      };
    case 'info':
      return { label: node.label, description: node.detail, tooltip: node.detail, icon: 'info', expandable: false };
  }
}

/** The notification for a file that failed to parse or validate: "…team.cedar line 4: … Its last valid version stays in force." */
export function problemNotice(f: PolicyFileState): string {
  const first = f.problems[0];
  const where = first ? ` line ${first.line}: ${clip(first.message, 200)}` : '';
  const effect = f.everValid ? 'Its last valid version stays in force.' : 'It never loaded, so Signet denies every call until it is fixed.';
  return `Signet: the policy file ${basename(f.file)} has an error —${where}. ${effect}`;
}

/** A stable key of a file's problems, so that one version's problem is told once. */
export function problemKey(f: PolicyFileState): string {
  return `${f.file}\n${f.problems.map((p) => `${p.line}:${p.message}`).join('\n')}`;
}
