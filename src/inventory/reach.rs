//! How herd reaches a host: the inventory's connection vars, then the ssh arguments in
//! `ansible_ssh_common_args`/`ansible_ssh_extra_args`/`ansible_ssh_args`, then the
//! OpenSSH client config, first value wins (so the inventory beats the ssh config, as in
//! Ansible, and the config is read as `ssh -o … NAME` would read it). The result is the
//! [`HostSpec`] the transport connects with, where each setting came from (for
//! `herd inventory --host`), and what herd will not apply (warned about, never ignored
//! silently).
//!
//! Jump hosts (`proxy_jump`, `ProxyJump`, `-J`) are resolved the same way: a hop named
//! like an inventory host takes that host's settings (its password included); any other
//! hop is resolved through the ssh config, as `ssh -J` does. A hop's own `ProxyJump`
//! puts its jump hosts before it in the chain.

use std::path::{Path, PathBuf};

use super::error::{ConnectionProblem, InventoryError};
use super::{Host, Inventory};
use crate::ssh::{AlgorithmChoice, HostKeyChecking, HostSpec, Proxy};
use crate::ssh_config::{
    self, Context, Directive, HostConfig, JumpHost, Sourced, SshConfig, StrictHostKeyChecking,
};

/// Vars holding ssh command-line arguments, as Ansible's ssh connection reads them.
const SSH_ARGS_KEYS: [&str; 3] = [
    "ansible_ssh_args",
    "ansible_ssh_common_args",
    "ansible_ssh_extra_args",
];

/// The var holding a host's jump hosts in OpenSSH `ProxyJump` syntax.
pub const PROXY_JUMP: &str = "proxy_jump";

/// Longest jump chain followed (a longer one is a loop in the config, most likely).
const MAX_HOPS: usize = 8;

/// The OpenSSH client config a run reads, and the local facts its tokens use.
#[derive(Debug)]
pub struct SshSettings {
    /// The parsed config (`SshConfig::none()` for `--ssh-config none`).
    pub config: SshConfig,
    /// Local user, home and host name, for `%u`, `~`, `%l` and `Match localuser`.
    pub context: Context,
}

impl SshSettings {
    /// Reads the OpenSSH client config: `choice` is `--ssh-config` (`None`: the user's
    /// `~/.ssh/config` then `/etc/ssh/ssh_config`, each if it exists, as `ssh` does;
    /// `none`: no config at all; a path: only that file, which must exist, as `ssh -F`).
    pub fn load(
        choice: Option<&Path>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<SshSettings, ssh_config::SshConfigError> {
        let context = Context {
            local_user: super::connection::local_user(env),
            home: crate::ssh::home_dir(),
            local_host: local_host_name(),
        };
        let config = match choice {
            Some(path) if path == Path::new("none") => SshConfig::none(),
            Some(path) => SshConfig::load(&[path.to_path_buf()], false, &context)?,
            None => SshConfig::load(
                &[
                    context.home.join(".ssh").join("config"),
                    PathBuf::from("/etc/ssh/ssh_config"),
                ],
                true,
                &context,
            )?,
        };
        Ok(SshSettings { config, context })
    }

    /// No ssh config (for tests and `--ssh-config none`).
    pub fn none(env: &dyn Fn(&str) -> Option<String>) -> SshSettings {
        SshSettings {
            config: SshConfig::none(),
            context: Context {
                local_user: super::connection::local_user(env),
                home: crate::ssh::home_dir(),
                local_host: local_host_name(),
            },
        }
    }
}

/// This machine's host name, for `%l`/`%L`.
fn local_host_name() -> String {
    let mut buffer = [0u8; 256];
    // SAFETY: `buffer` is valid for writes of its length; gethostname NUL-terminates
    // within it on success (or truncates, which the search below tolerates).
    let rc = unsafe { libc::gethostname(buffer.as_mut_ptr().cast(), buffer.len()) };
    if rc != 0 {
        return "localhost".to_owned();
    }
    let end = buffer.iter().position(|b| *b == 0).unwrap_or(buffer.len());
    String::from_utf8_lossy(&buffer[..end]).into_owned()
}

/// A host's connection as herd will make it.
#[derive(Debug)]
pub struct Reach {
    /// What the transport connects with.
    pub spec: HostSpec,
    /// Each setting that was given, with its value as shown to users and its origin.
    pub origins: Vec<Origin>,
    /// Settings herd will not apply, one line each, naming the option and its origin.
    pub unapplied: Vec<String>,
}

/// Where one connection setting came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The setting (`address`, `port`, `user`, `identity file`, …).
    pub setting: &'static str,
    /// Its value as shown (secrets never appear: only settings without secrets are listed).
    pub value: String,
    /// `inventory: KEY`, `FILE:LINE`, or `default`.
    pub origin: String,
}

impl Inventory {
    /// Resolves how `host` is reached, with `env` for environment lookups (see
    /// [`Host::connection`]) and `ssh` for the OpenSSH client config.
    pub fn reach(
        &self,
        host: &Host,
        env: &dyn Fn(&str) -> Option<String>,
        ssh: &SshSettings,
    ) -> Result<Reach, InventoryError> {
        self.reach_within(host, env, ssh, 0)
    }

    fn reach_within(
        &self,
        host: &Host,
        env: &dyn Fn(&str) -> Option<String>,
        ssh: &SshSettings,
        depth: usize,
    ) -> Result<Reach, InventoryError> {
        let fail = |text: String| InventoryError::Connection {
            host: host.name.clone(),
            problem: ConnectionProblem::Ssh(text),
        };
        let base = host.inventory_settings(env)?;
        let mut overrides = Vec::new();
        let origin_of = |key: &str| format!("inventory: {key}");
        if let Some((key, value)) = &base.address {
            overrides.push(Directive::new("HostName", value, origin_of(key)));
        }
        if let Some((key, port)) = &base.port {
            overrides.push(Directive::new("Port", &port.to_string(), origin_of(key)));
        }
        if let Some((key, user)) = &base.user {
            overrides.push(Directive::new("User", user, origin_of(key)));
        }
        if let Some(jump) = host.text_var(PROXY_JUMP)? {
            overrides.push(Directive::new("ProxyJump", &jump, origin_of(PROXY_JUMP)));
        }
        let mut unapplied = Vec::new();
        for key in SSH_ARGS_KEYS {
            let Some(text) = host.text_var(key)? else {
                continue;
            };
            let args = ssh_config::parse_ssh_args(&text, &origin_of(key))
                .map_err(|error| fail(error.to_string()))?;
            overrides.extend(args.directives);
            unapplied.extend(
                args.ignored
                    .into_iter()
                    .map(|arg| format!("{arg} (inventory: {key})")),
            );
        }
        let config = ssh
            .config
            .resolve(&host.name, &overrides, &ssh.context)
            .map_err(|error| fail(error.to_string()))?;
        unapplied.extend(
            config
                .unsupported
                .iter()
                .map(|s| format!("{} ({})", s.value, s.origin)),
        );
        let mut spec = spec_from(&host.name, &config, &ssh.context);
        spec.password = base.password;
        spec.key_file = base.key_file;
        spec.key_passphrase = base.key_passphrase;
        if spec.algorithms != AlgorithmChoice::default() {
            crate::ssh::check_algorithms(&spec.algorithms).map_err(fail)?;
        }
        let mut origins = origins_of(&host.name, &config, &spec);
        if let Some(path) = &spec.key_file {
            origins.push(Origin {
                setting: "key file",
                value: path.display().to_string(),
                origin: "inventory".into(),
            });
        }
        if let Some(jumps) = config.proxy_jump.as_ref().filter(|j| !j.value.is_empty()) {
            let chain = self
                .jump_chain(&jumps.value, env, ssh, depth)
                .map_err(|e| match e {
                    InventoryError::Connection { problem, .. } => InventoryError::Connection {
                        host: host.name.clone(),
                        problem: ConnectionProblem::Ssh(format!(
                            "jump host in ProxyJump {} ({}): {problem}",
                            jump_text(&jumps.value),
                            jumps.origin
                        )),
                    },
                    other => other,
                })?;
            spec.proxy = Proxy::Jump(chain);
        }
        Ok(Reach {
            spec,
            origins,
            unapplied,
        })
    }

    /// The hops of a `ProxyJump` list, each resolved, with their own jump hosts first.
    fn jump_chain(
        &self,
        jumps: &[JumpHost],
        env: &dyn Fn(&str) -> Option<String>,
        ssh: &SshSettings,
        depth: usize,
    ) -> Result<Vec<HostSpec>, InventoryError> {
        if depth >= MAX_HOPS {
            return Err(InventoryError::Connection {
                host: jump_text(jumps),
                problem: ConnectionProblem::Ssh(format!(
                    "more than {MAX_HOPS} jump hosts in a chain; is there a ProxyJump loop?"
                )),
            });
        }
        let mut chain = Vec::new();
        for jump in jumps {
            let mut hop = match self.host(&jump.host) {
                Some(inventory_host) => {
                    self.reach_within(inventory_host, env, ssh, depth + 1)?.spec
                }
                None => {
                    let mut overrides = Vec::new();
                    if let Some(user) = &jump.user {
                        overrides.push(Directive::new("User", user, "ProxyJump"));
                    }
                    if let Some(port) = jump.port {
                        overrides.push(Directive::new("Port", &port.to_string(), "ProxyJump"));
                    }
                    let config = ssh
                        .config
                        .resolve(&jump.host, &overrides, &ssh.context)
                        .map_err(|error| InventoryError::Connection {
                            host: jump.host.clone(),
                            problem: ConnectionProblem::Ssh(error.to_string()),
                        })?;
                    let mut hop = spec_from(&jump.host, &config, &ssh.context);
                    if let Some(inner) = config.proxy_jump.as_ref().filter(|j| !j.value.is_empty())
                    {
                        hop.proxy =
                            Proxy::Jump(self.jump_chain(&inner.value, env, ssh, depth + 1)?);
                    }
                    hop
                }
            };
            if let Some(user) = &jump.user {
                hop.user = user.clone();
            }
            if let Some(port) = jump.port {
                hop.port = port;
            }
            if let Proxy::Jump(before) = std::mem::take(&mut hop.proxy) {
                chain.extend(before);
            }
            chain.push(hop);
        }
        Ok(chain)
    }
}

/// `user@host:port,…` as written.
fn jump_text(jumps: &[JumpHost]) -> String {
    jumps
        .iter()
        .map(|jump| {
            let mut text = String::new();
            if let Some(user) = &jump.user {
                text.push_str(user);
                text.push('@');
            }
            text.push_str(&jump.host);
            if let Some(port) = jump.port {
                text.push_str(&format!(":{port}"));
            }
            text
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// The transport's view of a resolved ssh config (no secrets: those come from the
/// inventory).
fn spec_from(name: &str, config: &HostConfig, context: &Context) -> HostSpec {
    let value = |s: &Option<Sourced<String>>| s.as_ref().map(|s| s.value.clone());
    HostSpec {
        // ssh lowercases the name it connects to when no HostName applies.
        address: value(&config.host_name).unwrap_or_else(|| name.to_lowercase()),
        port: config.port.as_ref().map_or(22, |p| p.value),
        user: value(&config.user).unwrap_or_else(|| context.local_user.clone()),
        // `IdentityFile none` loads nothing (it only stops ssh's default keys).
        identity_files: config
            .identity_files
            .iter()
            .filter(|f| f.value.as_os_str() != "none")
            .map(|f| f.value.clone())
            .collect(),
        identities_only: config.identities_only.as_ref().is_some_and(|s| s.value),
        certificate_files: config
            .certificate_files
            .iter()
            .map(|f| f.value.clone())
            .collect(),
        // A ProxyCommand applies unless a real ProxyJump took its place (`ProxyJump none`
        // does not: the resolver settles which came first, as ssh does).
        proxy: match &config.proxy_command {
            Some(command)
                if config
                    .proxy_jump
                    .as_ref()
                    .is_none_or(|j| j.value.is_empty()) =>
            {
                Proxy::Command(command.value.clone())
            }
            _ => Proxy::Direct,
        },
        host_key_checking: config
            .strict_host_key_checking
            .as_ref()
            .map(|s| match s.value {
                // herd cannot ask: a host it does not know is refused, as with `yes`.
                StrictHostKeyChecking::Yes | StrictHostKeyChecking::Ask => HostKeyChecking::Strict,
                StrictHostKeyChecking::AcceptNew => HostKeyChecking::AcceptNew,
                StrictHostKeyChecking::No => HostKeyChecking::Off,
            }),
        known_hosts_files: config
            .user_known_hosts_files
            .as_ref()
            .map(|files| files.value.clone()),
        global_known_hosts_files: config
            .global_known_hosts_files
            .as_ref()
            .map(|files| files.value.clone()),
        host_key_alias: config.host_key_alias.as_ref().map(|a| a.value.clone()),
        connect_timeout: config.connect_timeout.as_ref().map(|s| s.value),
        server_alive_interval: config
            .server_alive_interval
            .as_ref()
            .map(|s| s.value)
            .filter(|d| !d.is_zero()),
        algorithms: AlgorithmChoice {
            kex: config.kex_algorithms.as_ref().map(|s| s.value.clone()),
            host_key: config.host_key_algorithms.as_ref().map(|s| s.value.clone()),
            ciphers: config.ciphers.as_ref().map(|s| s.value.clone()),
            macs: config.macs.as_ref().map(|s| s.value.clone()),
        },
        ..HostSpec::default()
    }
}

/// Each setting's value and origin, for `herd inventory --host`.
fn origins_of(name: &str, config: &HostConfig, spec: &HostSpec) -> Vec<Origin> {
    let mut origins = Vec::new();
    let mut add = |setting: &'static str, value: String, origin: Option<&str>| {
        origins.push(Origin {
            setting,
            value,
            origin: origin.unwrap_or("default").to_owned(),
        });
    };
    add(
        "address",
        spec.address.clone(),
        config
            .host_name
            .as_ref()
            .map(|s| s.origin.as_str())
            .or(Some(if spec.address == name {
                "default (the inventory name)"
            } else {
                "default"
            })),
    );
    add(
        "port",
        spec.port.to_string(),
        config.port.as_ref().map(|s| s.origin.as_str()),
    );
    add(
        "user",
        spec.user.clone(),
        config
            .user
            .as_ref()
            .map(|s| s.origin.as_str())
            .or(Some("default (the local user)")),
    );
    for file in &config.identity_files {
        add(
            "identity file",
            file.value.display().to_string(),
            Some(&file.origin),
        );
    }
    if let Some(only) = &config.identities_only {
        add("identities only", yes_no(only.value), Some(&only.origin));
    }
    for file in &config.certificate_files {
        add(
            "certificate file",
            file.value.display().to_string(),
            Some(&file.origin),
        );
    }
    if let Some(jump) = &config.proxy_jump {
        add("proxy jump", jump_text(&jump.value), Some(&jump.origin));
    } else if let Some(command) = &config.proxy_command {
        add(
            "proxy command",
            command.value.clone(),
            Some(&command.origin),
        );
    }
    for (what, files) in [
        ("known hosts files", &config.user_known_hosts_files),
        ("global known hosts files", &config.global_known_hosts_files),
    ] {
        if let Some(files) = files {
            let shown: Vec<String> = files
                .value
                .iter()
                .map(|p| p.display().to_string())
                .collect();
            let shown = if shown.is_empty() {
                "none".to_owned()
            } else {
                shown.join(" ")
            };
            add(what, shown, Some(&files.origin));
        }
    }
    if let Some(alias) = &config.host_key_alias {
        add("host key alias", alias.value.clone(), Some(&alias.origin));
    }
    if let Some(strict) = &config.strict_host_key_checking {
        add(
            "strict host key checking",
            format!("{:?}", strict.value),
            Some(&strict.origin),
        );
    }
    if let Some(timeout) = &config.connect_timeout {
        add(
            "connect timeout",
            format!("{}s", timeout.value.as_secs()),
            Some(&timeout.origin),
        );
    }
    if let Some(interval) = &config.server_alive_interval {
        add(
            "server alive interval",
            format!("{}s", interval.value.as_secs()),
            Some(&interval.origin),
        );
    }
    for (setting, list) in [
        ("kex algorithms", &config.kex_algorithms),
        ("host key algorithms", &config.host_key_algorithms),
        ("ciphers", &config.ciphers),
        ("macs", &config.macs),
    ] {
        if let Some(list) = list {
            add(
                setting,
                list.value.as_written().to_owned(),
                Some(&list.origin),
            );
        }
    }
    origins
}

fn yes_no(value: bool) -> String {
    if value { "yes" } else { "no" }.to_owned()
}
