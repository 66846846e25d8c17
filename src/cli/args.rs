//! The command line, as clap types. `-h` means hosts everywhere; help is `--help`.

use std::path::PathBuf;

use clap::{ArgAction, ArgGroup, Args, Parser, Subcommand, ValueEnum};

use crate::ssh::HostKeyChecking;
use crate::targets::Shard;

/// `display_order` of `--help`: after every other option.
pub const HELP_LAST: usize = 10_000;

/// herd: run commands and copy files on many hosts over SSH, in parallel.
#[derive(Debug, Parser)]
#[command(
    name = "herd",
    version,
    disable_help_flag = true,
    propagate_version = true
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// Print help.
    #[arg(long, action = ArgAction::Help, global = true, display_order = HELP_LAST)]
    pub help: Option<bool>,
}

/// herd's subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a shell command on every target host, printing output live as `NAME: line`.
    #[command(disable_help_flag = true)]
    Run(RunArgs),
    /// Copy files to (put) or from (get) every target host over SFTP.
    #[command(disable_help_flag = true)]
    Scp(ScpArgs),
    /// Show the inventory: `--list` (JSON), `--graph` (group tree) or `--host NAME`.
    #[command(disable_help_flag = true)]
    Inventory(InventoryArgs),
    /// Run a playbook: each play's steps on its hosts, with live output and a PLAY RECAP.
    #[command(disable_help_flag = true)]
    Play(PlayArgs),
    /// Merge the `--output json` streams of several runs (e.g. one per --shard) into one
    /// recap and exit code.
    #[command(disable_help_flag = true)]
    Recap(RecapArgs),
    /// Print the JSON Schema of playbooks (as in schemas/playbook.schema.json).
    #[command(disable_help_flag = true)]
    Schema,
    /// Print a shell completion script: herd completions bash > /etc/bash_completion.d/herd
    #[command(disable_help_flag = true)]
    Completions {
        /// The shell to complete in.
        #[arg(value_enum, value_name = "SHELL")]
        shell: clap_complete::Shell,
    },
    /// Write man pages (herd.1, herd-run.1, …) into DIR, or print herd.1 without DIR.
    #[command(disable_help_flag = true)]
    Man {
        /// The folder to write the pages into (made if missing), e.g. /usr/local/share/man/man1.
        #[arg(value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

/// `herd run` / `batch_run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Which hosts.
    #[command(flatten)]
    pub targets: TargetArgs,
    /// The command to run through each remote user's shell, e.g. "df -h".
    #[arg(long = "cmd", value_name = "COMMAND", conflicts_with = "command_words")]
    pub cmd: Option<String>,
    /// The command, as trailing words (after `--` if it has options): herd run -g web -- df -h
    #[arg(value_name = "COMMAND", trailing_var_arg = true)]
    pub command_words: Vec<String>,
    /// Send herd's standard input to every host's command (read once, spooled to a temp
    /// file, each host at its own pace). Without it, herd never reads its stdin and the
    /// remote stdin is at end-of-file.
    #[arg(long, conflicts_with_all = ["become_", "become_user"])]
    pub stdin: bool,
    /// Run the command as root through sudo, with the host's become_password (as a
    /// playbook's `become: true`); without a password, `sudo -n`.
    #[arg(long = "become")]
    pub become_: bool,
    /// Run the command as USER through sudo (implies --become).
    #[arg(long, value_name = "USER")]
    pub become_user: Option<String>,
    /// Also save each host's stdout in DIR/NAME.out and stderr in DIR/NAME.err, as it
    /// arrives (DIR is made if missing; existing files of the run's hosts are replaced).
    #[arg(long, value_name = "DIR")]
    pub outdir: Option<PathBuf>,
    /// How to connect.
    #[command(flatten)]
    pub connection: ConnectionArgs,
    /// How to show results.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `herd scp` / `batch_scp`.
#[derive(Debug, Args)]
pub struct ScpArgs {
    /// Which hosts.
    #[command(flatten)]
    pub targets: TargetArgs,
    /// put: local → each host; get: each host → LOCAL/HOSTNAME/.
    #[arg(long, value_enum)]
    pub action: ScpAction,
    /// put: the file or directory to send. get: the directory that receives one folder per host.
    #[arg(long, value_name = "PATH")]
    pub local: PathBuf,
    /// put: the destination (ending in `/` or an existing directory: into it). get: the remote file or directory.
    #[arg(long, value_name = "PATH")]
    pub remote: String,
    /// How to connect.
    #[command(flatten)]
    pub connection: ConnectionArgs,
    /// How to show results.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `herd play`.
#[derive(Debug, Args)]
pub struct PlayArgs {
    /// The playbook: a YAML list of plays (see playbooks/README.md).
    #[arg(value_name = "PLAYBOOK")]
    pub playbook: PathBuf,
    /// The inventory: a file (INI, YAML, or an executable script) or a directory of them [default: $HERD_INVENTORY, else ./inventory/hosts.ini].
    #[arg(short = 'i', long, value_name = "PATH")]
    pub inventory: Option<PathBuf>,
    /// Only the hosts this pattern also selects (`web:!h3`, `@retry.txt`).
    #[arg(short = 'l', long, value_name = "PATTERN")]
    pub limit: Option<String>,
    /// Extra vars, over every other: `key=value …`, `@vars.yml` or a JSON object; repeatable.
    #[arg(short = 'e', long = "extra-vars", value_name = "VARS")]
    pub extra_vars: Vec<String>,
    /// Only steps with one of these tags (comma-separated; repeatable).
    #[arg(long, value_name = "TAGS")]
    pub tags: Vec<String>,
    /// Leave out steps with one of these tags (comma-separated; repeatable).
    #[arg(long, value_name = "TAGS")]
    pub skip_tags: Vec<String>,
    /// Print what would run on each host, then stop: nothing connects.
    #[arg(long, conflicts_with = "check")]
    pub plan: bool,
    /// Connect and compare, change nothing: commands do not run unless their step says `check_mode: false`.
    #[arg(long)]
    pub check: bool,
    /// Show how each `put` changes (with --check: would change) a text file, as a unified
    /// diff (secrets masked, files over 102 KiB not diffed, binaries as "Binary files differ").
    #[arg(long, conflicts_with = "plan")]
    pub diff: bool,
    /// Hold at most N SSH sessions open between steps (each is a socket and ~110 KB);
    /// hosts beyond reconnect for later steps [default: 256, less under a low open-files limit].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_sessions: Option<u32>,
    /// Only shard I of N (1-based, e.g. 2/4) of every play's hosts, by a hash of each
    /// name; the N shards together are all of them (see docs/SCALE.md).
    #[arg(long, value_name = "I/N")]
    pub shard: Option<Shard>,
    /// After the run, write the failed and unreachable hosts to FILE, one a line (rerun them with --limit @FILE).
    #[arg(long, value_name = "FILE")]
    pub retry_file: Option<PathBuf>,
    /// Passwords for files encrypted with ansible-vault.
    #[command(flatten)]
    pub vault: VaultArgs,
    /// How to connect.
    #[command(flatten)]
    pub connection: ConnectionArgs,
    /// text: live lines and a recap; json: JSON Lines events on stdout (with --plan: the plan as JSON).
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,
}

/// Where the passwords for ansible-vault files come from; every one given is tried.
#[derive(Debug, Clone, Default, Args)]
pub struct VaultArgs {
    /// Read the ansible-vault password from FILE (an executable FILE is run and its output
    /// used); repeatable [also: $HERD_VAULT_PASSWORD_FILE].
    #[arg(long, value_name = "FILE")]
    pub vault_password_file: Vec<PathBuf>,
    /// Prompt for the ansible-vault password (not echoed).
    #[arg(long)]
    pub ask_vault_pass: bool,
}

/// `herd recap`.
#[derive(Debug, Args)]
pub struct RecapArgs {
    /// JSON Lines files written by `--output json` runs; `-` reads stdin.
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<String>,
    /// text: herd's recap (with the PLAY RECAP for playbook runs); json: the `play_recap`
    /// and `recap` objects.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,
}

/// Direction of `scp`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScpAction {
    /// Local to remote.
    Put,
    /// Remote to local.
    Get,
}

/// `herd inventory`.
#[derive(Debug, Args)]
#[group(skip)]
#[command(group(ArgGroup::new("view").required(true).multiple(false)))]
pub struct InventoryArgs {
    /// The inventory: a file (INI, YAML, or an executable script) or a directory of them [default: $HERD_INVENTORY, else ./inventory/hosts.ini].
    #[arg(short = 'i', long, value_name = "PATH")]
    pub inventory: Option<PathBuf>,
    /// Every group and host with merged, typed vars, as `ansible-inventory --list` prints
    /// them (passwords shown as ********).
    #[arg(long, group = "view")]
    pub list: bool,
    /// With --list: each group's own vars too, as `ansible-inventory --list --export`.
    #[arg(long, requires = "list")]
    pub export: bool,
    /// The group tree.
    #[arg(long, group = "view")]
    pub graph: bool,
    /// One host's merged vars, as JSON, with `herd_connection`: the effective connection
    /// settings (inventory, ssh config) and where each came from.
    #[arg(long, value_name = "NAME", group = "view")]
    pub host: Option<String>,
    /// OpenSSH client config for `--host`, or `none` [default: ~/.ssh/config, then /etc/ssh/ssh_config].
    #[arg(long, value_name = "FILE")]
    pub ssh_config: Option<PathBuf>,
    /// A playbook's directory, whose group_vars/ and host_vars/ apply as in `herd play`.
    #[arg(long, value_name = "DIR")]
    pub playbook_dir: Option<PathBuf>,
    /// Passwords for inventory files encrypted with ansible-vault.
    #[command(flatten)]
    pub vault: VaultArgs,
}

/// Target selection, shared by every command that touches hosts.
#[derive(Debug, Args)]
pub struct TargetArgs {
    /// The inventory: a file (INI, YAML, or an executable script) or a directory of them [default: $HERD_INVENTORY, else ./inventory/hosts.ini].
    #[arg(short = 'i', long, value_name = "PATH")]
    pub inventory: Option<PathBuf>,
    /// Hosts: names, ranges (`web[01:05]`), globs (`db*`), @FILE (one name a line); comma-separated.
    #[arg(
        short = 'h',
        long = "hosts",
        value_name = "HOSTS",
        value_delimiter = ','
    )]
    pub hosts: Vec<String>,
    /// Groups from the inventory (`all` works); comma-separated.
    #[arg(
        short = 'g',
        long = "groups",
        value_name = "GROUPS",
        value_delimiter = ','
    )]
    pub groups: Vec<String>,
    /// Only shard I of N (1-based, e.g. 2/4): a stable share of the hosts, by a hash of
    /// each name; the N shards together are all of them (see docs/SCALE.md).
    #[arg(long, value_name = "I/N")]
    pub shard: Option<Shard>,
    /// Passwords for inventory files encrypted with ansible-vault.
    #[command(flatten)]
    pub vault: VaultArgs,
}

/// How to reach hosts, shared by every command that connects.
#[derive(Debug, Args)]
pub struct ConnectionArgs {
    /// At most this many hosts are worked on at once.
    #[arg(short = 'f', long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub forks: u32,
    /// Seconds allowed for TCP connect, SSH handshake and authentication [default: the
    /// host's ssh config ConnectTimeout, else 10].
    #[arg(long, value_name = "SECS", value_parser = parse_seconds)]
    pub connect_timeout: Option<f64>,
    /// Seconds a command may run before its channel is closed and the host marked failed [default: no limit].
    #[arg(long, value_name = "SECS", value_parser = parse_seconds)]
    pub timeout: Option<f64>,
    /// What to do with server host keys [default: the host's ssh config
    /// StrictHostKeyChecking, else accept-new].
    #[arg(long, value_enum)]
    pub host_key_checking: Option<HostKeyChecking>,
    /// known_hosts file [default: the host's ssh config UserKnownHostsFile, else ~/.ssh/known_hosts].
    #[arg(long, value_name = "FILE")]
    pub known_hosts: Option<PathBuf>,
    /// OpenSSH client config to read, or `none` [default: ~/.ssh/config, then /etc/ssh/ssh_config].
    #[arg(long, value_name = "FILE")]
    pub ssh_config: Option<PathBuf>,
    /// Prompt once (no echo) for a password for hosts that have none in the inventory.
    #[arg(long)]
    pub ask_pass: bool,
    /// Login user for hosts whose user neither the inventory nor the ssh config sets
    /// [default: the local user].
    #[arg(short = 'u', long, value_name = "USER")]
    pub user: Option<String>,
}

/// How results are shown.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// No live lines: at the end, group hosts with identical output (like clush -b).
    #[arg(short = 'b', long)]
    pub gather: bool,
    /// text: live `NAME: line`; json: JSON Lines events on stdout.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text, conflicts_with = "gather")]
    pub output: OutputFormat,
}

/// `--output`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Human-readable lines.
    Text,
    /// JSON Lines events.
    Json,
}

fn parse_seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(secs) if secs.is_finite() && secs > 0.0 && secs <= 1e9 => Ok(secs),
        _ => Err(format!("`{text}` is not a positive number of seconds")),
    }
}
