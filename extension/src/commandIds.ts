// The extension's command ids, apart from extension.ts so that tests can read them without an editor.

/**
 * Every command package.json contributes; each is registered at once and runs once ./signet loaded.
 * Signet.commands() must have a handler for each (its type says so), and a test holds package.json to it.
 */
export const COMMAND_IDS = [
  'signet.showPendingApprovals',
  'signet.approval.decide',
  'signet.approval.more',
  'signet.approval.showDiff',
  'signet.createAgent',
  'signet.delegate',
  'signet.revoke',
  'signet.revokeDelegation',
  'signet.copyDid',
  'signet.copyCid',
  'signet.removeAgent',
  'signet.showTimeline',
  'signet.copyAgentReport',
  'signet.refreshAgents',
  'signet.reconnect',
  'signet.restartDaemon',
  'signet.showLog',
  'signet.demo.askForRights',
  'signet.protectMcpServers',
  'signet.protection.refresh',
  'signet.protection.probe',
  'signet.protection.protect',
  'signet.protection.showFix',
  'signet.approval.decideGroup',
  'signet.policy.openRule',
  'signet.refreshPolicies',
  'signet.acceptReanchoredLog',
] as const;

export type CommandId = (typeof COMMAND_IDS)[number];
