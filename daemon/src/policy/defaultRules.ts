// The rules Signet ships on. They are written into ~/.signet/policy/defaults.cedar the first time the daemon
// starts, as an ordinary Cedar file the user can read, change or delete; `signet policy defaults` prints them.

export const DEFAULT_RULES_FILE = 'defaults.cedar';

export const DEFAULT_RULES = `// Signet's default owner policy. Edit freely: this file is yours. Every rule names its outcome with
// @outcome("deny" | "ask" | "allow") (else forbid = deny, permit = allow); the strictest matching rule wins,
// and deny beats every delegation and approval. Resources: Signet::File (each canonical path a call touches),
// Signet::Command (each simple command of a shell line), Signet::Tool (a call with neither).
// Print the original with \`signet policy defaults\`; check your edits with \`signet policy check\`.

// ── secrets ──────────────────────────────────────────────────────────────
@id("no-dotenv")
@reason("environment files hold secrets")
forbid (principal, action, resource is Signet::File)
when { resource.name like ".env*" && resource.name != ".env.example" && resource.name != ".env.sample" };

@id("no-ssh-keys")
@reason("~/.ssh holds private keys")
forbid (principal, action, resource is Signet::File)
when { resource.homeRelative like "~/.ssh/*" || resource.homeRelative == "~/.ssh" };

@id("no-cloud-credentials")
@reason("cloud credentials")
forbid (principal, action, resource is Signet::File)
when {
  resource.homeRelative like "~/.aws*" || resource.homeRelative like "~/.config/gcloud*" ||
  resource.homeRelative like "~/.azure*" || resource.homeRelative like "~/.kube/config*" ||
  resource.homeRelative like "~/.docker/config.json" || resource.homeRelative like "~/.netrc" ||
  resource.homeRelative like "~/.npmrc" || resource.homeRelative like "~/.git-credentials" ||
  resource.homeRelative like "~/.gnupg*" || resource.homeRelative like "~/.password-store*"
};

@id("no-private-keys")
@reason("private key files")
forbid (principal, action, resource is Signet::File)
when { resource.name like "*.pem" || resource.name like "*.key" || resource.name like "*.p12" || resource.name like "*.pfx" || (resource.name like "id_*" && !(resource.name like "*.pub")) };

@id("no-signet-home")
@reason("Signet's own keys, delegations and audit log are not for agents")
forbid (principal, action, resource is Signet::File)
when { resource.inSignetHome || resource.homeRelative like "~/.signet/*" || resource.homeRelative == "~/.signet" };

@id("no-policy-confirm-by-agents")
@reason("only the user confirms that a workspace policy rule may be dropped")
forbid (principal, action, resource is Signet::Command)
when { resource.program == "signet" && resource.subcommand == "policy" && resource.args.contains("confirm") };

@id("no-agent-proofs")
@reason("an agent's proof of identity (SIGNET_AGENT_SECRET) lets its holder sign commits as that agent")
forbid (principal, action, resource is Signet::File)
when { resource.path like "*/.claude/settings.local.json" || resource.path like "/proc/*/environ" };

@id("no-keychain-tools")
@reason("the OS keychain holds every secret of the user")
forbid (principal, action, resource is Signet::Command)
when { ["secret-tool", "security", "keyring", "gnome-keyring-daemon", "kwallet-query", "cmdkey", "pass"].contains(resource.program) };

// ── the agents' own switches ─────────────────────────────────────────────
@id("no-agent-settings")
@reason("an agent that edits its client's settings or hooks can switch Signet off")
forbid (principal, action, resource is Signet::File)
when {
  resource.access != "read" && (
    resource.path like "*/.claude/settings*.json" || resource.path like "*/.cursor/hooks.json" ||
    resource.path like "*/.github/hooks/*" || resource.path like "*/.vscode/mcp.json" ||
    resource.path like "*/.vscode/settings.json" || resource.path like "*/.cursor/mcp.json" ||
    resource.path like "*/.signet/policy.cedar" || resource.path like "*/.git/hooks/*"
  )
};

@id("no-signet-authority-by-agents")
@reason("these Signet commands act with your authority (approve, delegate, hand out an agent's proof, undo protection, re-anchor the log)")
forbid (principal, action, resource is Signet::Command)
when {
  resource.program == "signet" && (
    ["approve", "delegate"].contains(resource.subcommand) ||
    (resource.subcommand == "git" && (resource.args.contains("env") || resource.args.contains("--claude-code") || resource.args.contains("--undo"))) ||
    (resource.subcommand == "protect" && resource.args.contains("--undo")) ||
    (resource.subcommand == "audit" && resource.args.contains("reanchor")) ||
    (resource.subcommand == "agent" && resource.args.contains("remove"))
  )
};

// ── destructive commands ─────────────────────────────────────────────────
@id("rm-recursive-outside-workspace")
@reason("recursive deletion outside the workspace")
forbid (principal, action, resource is Signet::File)
when { resource.viaCommand == "rm" && !resource.inWorkspace };

@id("rm-workspace-root")
@outcome("ask")
@reason("deleting recursively in the workspace")
forbid (principal, action, resource is Signet::Command)
when { resource.program == "rm" && (resource.args.contains("-rf") || resource.args.contains("-fr") || resource.args.contains("-r") || resource.args.contains("-R") || resource.args.contains("--recursive")) };

@id("no-force-push")
@reason("force-pushing rewrites shared history")
forbid (principal, action, resource is Signet::Command)
when {
  resource.program == "git" && resource.subcommand == "push" &&
  (resource.args.contains("--force") || resource.args.contains("-f") || resource.args.contains("--force-with-lease") || resource.line like "* +*" || resource.line like "*--force=*")
};

@id("no-push-delete")
@reason("deleting remote branches")
forbid (principal, action, resource is Signet::Command)
when { resource.program == "git" && resource.subcommand == "push" && (resource.args.contains("--delete") || resource.args.contains("-d") || resource.line like "* :*") };

@id("push-to-protected-branch")
@outcome("ask")
@reason("pushing to a protected branch")
forbid (principal, action, resource is Signet::Command)
when { resource.program == "git" && resource.subcommand == "push" && (resource.args.contains("main") || resource.args.contains("master") || resource.line like "*:main" || resource.line like "*:master" || resource.line like "*HEAD:main*") };

@id("no-pipe-to-shell")
@reason("running a script downloaded from the network")
forbid (principal, action, resource is Signet::Command)
when { ["sh", "bash", "zsh", "dash", "ksh", "fish", "python", "python3", "perl", "ruby", "node"].contains(resource.program) && ["curl", "wget", "fetch", "nc", "ncat"].contains(resource.stdinFrom) };

@id("inline-interpreter-code")
@outcome("ask")
@reason("inline interpreter code the policy cannot see through")
forbid (principal, action, resource is Signet::Command)
when {
  (["python", "python3", "node", "deno", "bun", "ruby"].contains(resource.program) && (resource.args.contains("-c") || resource.args.contains("-e") || resource.args.contains("--eval") || resource.args.contains("-p"))) ||
  (["perl"].contains(resource.program) && (resource.args.contains("-e") || resource.args.contains("-E")))
};

@id("no-disk-wipes")
@reason("commands that wipe disks or filesystems")
forbid (principal, action, resource is Signet::Command)
when { ["mkfs", "mkfs.ext4", "mkfs.xfs", "wipefs", "shred", "dd", "fdisk", "parted"].contains(resource.program) };

@id("privilege-escalation")
@outcome("ask")
@reason("running as another user")
forbid (principal, action, resource is Signet::Command)
when { resource.via.contains("sudo") || resource.via.contains("doas") || resource.program == "su" };

// ── writes outside the workspace ─────────────────────────────────────────
@id("writes-outside-workspace")
@outcome("ask")
@reason("writing outside the workspace")
forbid (principal, action, resource is Signet::File)
when { resource.access == "write" && !resource.inWorkspace && !(resource.path like "/tmp/*") };
`;
