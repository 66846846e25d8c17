//! What every host-touching command does first: inventory, targets, connection options.

use crossbeam_channel::Sender;
use std::collections::BTreeMap;
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::thread;
use std::time::Duration;

use super::CommandError;
use super::vault::vault;
use crate::cli::args::{ConnectionArgs, TargetArgs};
use crate::event::{self, Event};
use crate::executor::{ExecutorOptions, HostTarget};
use crate::inventory::{self, Inventory, LoadOptions};
use crate::inventory::{Host, SshSettings};
use crate::report::{self, OutputMode, ReportOptions, RunSummary};
use crate::secret::Secret;
use crate::ssh::{ConnectOptions, HostKeyChecking, HostSpec, KnownHosts, Proxy, Shared};
use crate::targets;
use crate::vault::Vault;

/// Seconds allowed to connect when neither `--connect-timeout` nor the host's ssh config
/// (`ConnectTimeout`) says.
pub const DEFAULT_CONNECT_TIMEOUT: f64 = 10.0;

/// Runs `execute` on a thread of its own while this thread shows the events it sends, in
/// `mode`, on stdout and stderr; returns what the run came to once `execute` is done.
pub fn execute_and_report(
    mode: OutputMode,
    execute: impl FnOnce(&Sender<Event>) + Send,
) -> io::Result<RunSummary> {
    execute_and_report_saving(mode, None, execute)
}

/// [`execute_and_report`], also saving each host's output in `outdir` (`--outdir`).
pub fn execute_and_report_saving(
    mode: OutputMode,
    outdir: Option<report::OutDir>,
    execute: impl FnOnce(&Sender<Event>) + Send,
) -> io::Result<RunSummary> {
    let (sender, receiver) = event::channel();
    thread::scope(|scope| {
        // The sender is dropped when `execute` returns, which ends the report.
        scope.spawn(move || execute(&sender));
        report::report_events_saving(
            receiver,
            ReportOptions::detect(mode),
            outdir,
            io::stdout(),
            io::stderr(),
        )
    })
}

/// Looks up an environment variable; the one place herd reads the process environment.
pub fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Loads the inventory named by `-i`, `$HERD_INVENTORY` or the default path (a file or a
/// directory), with the `group_vars/` and `host_vars/` beside it and, for a playbook, beside
/// `playbook_dir`, decrypting vault files with `vault`; warns about each file that holds
/// passwords and that other users may read.
pub fn load_inventory(
    flag: Option<&Path>,
    playbook_dir: Option<&Path>,
    vault: &Vault,
) -> Result<Inventory, CommandError> {
    let path = inventory::default_inventory_path(flag, &env_var);
    let mut options = LoadOptions {
        playbook_dir: playbook_dir.map(Path::to_path_buf),
        vault: vault.clone(),
        ..LoadOptions::default()
    };
    if let Some(seconds) = env_var(SCRIPT_TIMEOUT_VAR) {
        options.script_timeout = seconds
            .parse::<f64>()
            .ok()
            .filter(|s| s.is_finite() && *s > 0.0)
            .map(Duration::from_secs_f64)
            .ok_or_else(|| {
                CommandError::Usage(format!(
                    "{SCRIPT_TIMEOUT_VAR}={seconds} is not a number of seconds; give one above 0"
                ))
            })?;
    }
    let inventory = Inventory::load_with(&path, &options)?;
    for file in inventory.password_files() {
        warn_if_readable_by_others(file);
    }
    Ok(inventory)
}

/// The environment variable that sets how long an inventory script may run, in seconds.
pub const SCRIPT_TIMEOUT_VAR: &str = "HERD_INVENTORY_SCRIPT_TIMEOUT";

/// Warns (once per load) when the file at `path` can be read by its group or by others.
fn warn_if_readable_by_others(path: &Path) {
    let Ok(metadata) = std::fs::metadata(path) else {
        return;
    };
    let mode = metadata.permissions().mode() & 0o777;
    if mode & 0o044 != 0 {
        let shown = path.to_string_lossy();
        let quoted = shlex::try_quote(&shown).unwrap_or(shown.clone());
        report::warning(&format!(
            "{shown} holds passwords and other users can read it (mode {mode:04o}); run: chmod 600 {quoted}"
        ));
    }
}

/// Resolves `-h`/`-g` against the inventory into hosts with their connection settings
/// (and, when `becomes`, their `become_password`), keeping only `--shard`'s share (which
/// may be none: a run on no host).
pub fn select_targets(
    args: &TargetArgs,
    connection: &ConnectionArgs,
    becomes: bool,
) -> Result<Vec<HostTarget>, CommandError> {
    let inventory = load_inventory(args.inventory.as_deref(), None, &vault(&args.vault)?)?;
    let mut hosts = targets::select(&inventory, &args.hosts, &args.groups)?;
    if let Some(shard) = args.shard {
        hosts = shard.select(hosts, |host| host.name.as_str());
    }
    Reacher::new(&inventory, connection)?.targets(hosts, becomes)
}

/// Turns hosts into the [`HostSpec`]s the transport connects with: inventory, ssh
/// arguments and ssh config (see [`Inventory::reach`]), then the command line's
/// explicit `--connect-timeout`, `--host-key-checking` and `--known-hosts`, which beat
/// the ssh config. Collects what herd will not apply, to warn once per option.
pub struct Reacher<'a> {
    inventory: &'a Inventory,
    ssh: SshSettings,
    args: &'a ConnectionArgs,
    /// Each unapplied option (with its origin) and the hosts it applies to.
    unapplied: BTreeMap<String, Vec<String>>,
}

impl<'a> Reacher<'a> {
    /// Reads the ssh config `args` names (or the default ones).
    pub fn new(inventory: &'a Inventory, args: &'a ConnectionArgs) -> Result<Self, CommandError> {
        let mut ssh = SshSettings::load(args.ssh_config.as_deref(), &env_var)
            .map_err(|error| CommandError::SshConfig(error.to_string()))?;
        if let Some(user) = &args.user {
            // The user a host gets when neither the inventory nor the ssh config names one.
            ssh.context.local_user = user.clone();
        }
        Ok(Reacher {
            inventory,
            ssh,
            args,
            unapplied: BTreeMap::new(),
        })
    }

    /// How `host` is reached.
    pub fn spec(&mut self, host: &Host) -> Result<HostSpec, CommandError> {
        let reach = self.inventory.reach(host, &env_var, &self.ssh)?;
        for line in reach.unapplied {
            self.unapplied
                .entry(line)
                .or_default()
                .push(host.name.clone());
        }
        let mut spec = reach.spec;
        command_line_wins(&mut spec, self.args);
        Ok(spec)
    }

    /// `hosts` as targets (with their `become_password` when `becomes`), then the warnings
    /// of [`Reacher::warn`].
    pub fn targets<'h>(
        mut self,
        hosts: impl IntoIterator<Item = &'h Host>,
        becomes: bool,
    ) -> Result<Vec<HostTarget>, CommandError> {
        let targets = hosts
            .into_iter()
            .map(|host| {
                Ok(HostTarget {
                    name: host.name.as_str().into(),
                    spec: self.spec(host)?,
                    become_password: if becomes {
                        host.become_password(&env_var)?
                    } else {
                        None
                    },
                })
            })
            .collect::<Result<Vec<_>, CommandError>>()?;
        self.warn();
        Ok(targets)
    }

    /// Warns once for each option herd does not apply, naming some of its hosts.
    pub fn warn(self) {
        const SHOWN: usize = 3;
        for (option, hosts) in self.unapplied {
            let mut names = hosts[..hosts.len().min(SHOWN)].join(", ");
            if hosts.len() > SHOWN {
                names.push_str(&format!(" and {} more", hosts.len() - SHOWN));
            }
            report::warning(&format!(
                "herd does not apply {option} (for {names}); see README, \"What herd reads from the ssh config\""
            ));
        }
    }
}

/// Clears what the command line gives explicitly from `spec` and its jump hosts, so the
/// run's options apply.
fn command_line_wins(spec: &mut HostSpec, args: &ConnectionArgs) {
    if args.connect_timeout.is_some() {
        spec.connect_timeout = None;
    }
    if args.host_key_checking.is_some() {
        spec.host_key_checking = None;
    }
    if args.known_hosts.is_some() {
        spec.known_hosts_files = None;
    }
    if let Proxy::Jump(hops) = &mut spec.proxy {
        for hop in hops {
            command_line_wins(hop, args);
        }
    }
}

/// Turns the connection flags into executor options, prompting for `--ask-pass` once.
pub fn executor_options(
    args: &ConnectionArgs,
    targets: &[HostTarget],
    cancel: Arc<AtomicBool>,
) -> Result<ExecutorOptions, CommandError> {
    let needs_password = targets.iter().any(|t| t.spec.password.is_none());
    let ask_pass = if args.ask_pass && needs_password {
        let password = rpassword::prompt_password("herd: SSH password: ")
            .map_err(|e| CommandError::Usage(format!("--ask-pass: cannot read a password: {e}")))?;
        Some(Secret::new(password))
    } else {
        None
    };
    let host_key_checking = args.host_key_checking.unwrap_or_default();
    if host_key_checking == HostKeyChecking::Off {
        report::warning(
            "--host-key-checking off: server identities are not verified; use it only on throwaway labs",
        );
    }
    Ok(ExecutorOptions {
        forks: args.forks as usize,
        connect: ConnectOptions {
            connect_timeout: Duration::from_secs_f64(
                args.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT),
            ),
            host_key_checking,
            ask_pass,
            cancel: Arc::clone(&cancel),
            shared: Shared::default(),
        },
        command_timeout: args.timeout.map(Duration::from_secs_f64),
        cancel,
    })
}

/// Opens the known_hosts file the run checks host keys against.
pub fn known_hosts(args: &ConnectionArgs) -> Result<KnownHosts, CommandError> {
    let path: PathBuf = args
        .known_hosts
        .clone()
        .unwrap_or_else(KnownHosts::default_path);
    KnownHosts::open(path, args.host_key_checking.unwrap_or_default())
        .map_err(|e| CommandError::KnownHosts(e.to_string()))
}

/// After a run: one line when accept-new added keys to the run's known_hosts file
/// (`herd: added 3 host keys to ~/.ssh/known_hosts`), nothing when it added none.
pub fn note_added_keys(known_hosts: &KnownHosts) {
    let added = known_hosts.added_count();
    if added > 0 {
        let keys = if added == 1 { "key" } else { "keys" };
        report::note(&format!(
            "added {added} host {keys} to {}",
            known_hosts.path().display()
        ));
    }
}
