//! The line walk of readconf.c `process_config_line_depth` and `match_cfg_line`, and the
//! token expansion ssh.c does after reading the configuration.

use std::path::PathBuf;
use std::time::Duration;

use super::expand::{a2port, convtime, parse_jump_list, percent_expand, tilde_expand};
use super::keywords::{Kw, lookup};
use super::pattern::{match_hostname, match_pattern, match_pattern_list};
use super::{
    AlgorithmList, ConfigFile, Context, Directive, HostConfig, JumpHost, Line, Sourced,
    SshConfigError, StrictHostKeyChecking, config_error, is_command_keyword,
};

const MAX_IDENTITY_FILES: usize = 100;
const MAX_CERTIFICATE_FILES: usize = 100;
const MAX_HOSTS_FILES: usize = 16;
const FIX_VALUE: &str = "fix the value (see ssh_config(5))";

/// The options as readconf's `Options` holds them while reading.
#[derive(Default)]
struct Opts {
    hostname: Option<Sourced<String>>,
    port: Option<Sourced<u16>>,
    user: Option<Sourced<String>>,
    /// (path as written, user-provided, origin)
    identity: Vec<(String, bool, String)>,
    certs: Vec<(String, bool, String)>,
    identities_only: Option<Sourced<bool>>,
    jump: Option<Sourced<Vec<JumpHost>>>,
    /// As written; `none` included.
    proxy_command: Option<Sourced<String>>,
    known_hosts: Option<Sourced<Vec<String>>>,
    global_known_hosts: Option<Sourced<Vec<String>>>,
    strict: Option<Sourced<StrictHostKeyChecking>>,
    connect_timeout: Option<Sourced<Duration>>,
    server_alive: Option<Sourced<Duration>>,
    kex: Option<Sourced<AlgorithmList>>,
    hostkey: Option<Sourced<AlgorithmList>>,
    ciphers: Option<Sourced<AlgorithmList>>,
    macs: Option<Sourced<AlgorithmList>>,
    ignore_unknown: Option<String>,
    host_key_alias: Option<Sourced<String>>,
    unsupported: Vec<Sourced<String>>,
}

struct Walk<'a> {
    ctx: &'a Context,
    /// The name as given (`%n`, `Match originalhost`).
    original: &'a str,
    /// What `Host` lines match: the name as given, in the final pass the final host name.
    host: String,
    final_pass: bool,
    want_final: bool,
    o: Opts,
}

/// Where a line sits: a command-line override, or a file line with its flags.
#[derive(Clone, Copy)]
struct Flags {
    cmdline: bool,
    never_match: bool,
    user: bool,
}

fn set<T>(slot: &mut Option<Sourced<T>>, active: bool, value: T, origin: &str) {
    if active && slot.is_none() {
        *slot = Some(Sourced {
            value,
            origin: origin.to_string(),
        });
    }
}

fn short_host(h: &str) -> &str {
    h.split('.').next().unwrap_or(h)
}

fn is_addr(h: &str) -> bool {
    h.parse::<std::net::IpAddr>().is_ok()
}

fn uid() -> String {
    // SAFETY: getuid has no preconditions and cannot fail.
    unsafe { libc::getuid() }.to_string()
}

fn conn_hash(local: &str, host: &str, port: &str, user: &str) -> String {
    use sha1::{Digest, Sha1};
    let mut h = Sha1::new();
    for part in [local, host, port, user] {
        h.update(part.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

impl Walk<'_> {
    fn ruser(&self) -> String {
        self.o
            .user
            .as_ref()
            .map(|u| u.value.clone())
            .unwrap_or_else(|| self.ctx.local_user.clone())
    }

    fn port(&self) -> u16 {
        self.o.port.as_ref().map(|p| p.value).unwrap_or(22)
    }

    /// The host `Match host` sees.
    fn match_host(&self) -> Result<String, SshConfigError> {
        match &self.o.hostname {
            Some(h) if self.final_pass => Ok(h.value.clone()),
            Some(h) => percent_expand(&h.value, &[('h', &self.host)], false)
                .map_err(|e| config_error(&h.origin, format!("HostName: {e}"), FIX_VALUE)),
            None => Ok(self.host.clone()),
        }
    }

    fn run_file(
        &mut self,
        file: &ConfigFile,
        active: &mut bool,
        never_match: bool,
        depth: usize,
    ) -> Result<(), SshConfigError> {
        let flags = Flags {
            cmdline: false,
            never_match,
            user: file.user,
        };
        for line in &file.lines {
            self.line(line, active, flags, depth)?;
        }
        Ok(())
    }

    fn match_line(&mut self, line: &Line) -> Result<bool, SshConfigError> {
        let origin = &line.origin;
        let host = self.match_host()?;
        let ruser = self.ruser();
        let bad = |m: String| {
            config_error(
                origin,
                format!("bad Match condition: {m}"),
                "use all, canonical, final, host, originalhost, user, localuser or exec (see ssh_config(5))",
            )
        };
        let mut rest = Some(line.raw.clone());
        let mut result = true;
        let mut attributes = 0;
        while let Some(oattrib) = super::lex::strdelim(&mut rest) {
            if oattrib.is_empty() {
                break;
            }
            if oattrib.starts_with('#') {
                break;
            }
            let (negate, attrib) = match oattrib.strip_prefix('!') {
                Some(a) => (true, a),
                None => (false, oattrib.as_str()),
            };
            let attr = attrib.to_ascii_lowercase();
            if attr == "all" {
                let next = super::lex::strdelim(&mut rest);
                if attributes > 1
                    || next
                        .as_ref()
                        .is_some_and(|n| !n.is_empty() && !n.starts_with('#'))
                {
                    return Err(bad(format!(
                        "'{oattrib}' cannot be combined with other Match attributes"
                    )));
                }
                if result {
                    result = !negate;
                }
                return Ok(result);
            }
            attributes += 1;
            if attr == "canonical" || attr == "final" {
                if attr == "final" && !self.final_pass {
                    self.want_final = true;
                }
                if self.final_pass == negate {
                    result = false;
                }
                continue;
            }
            let arg = match super::lex::strdelim(&mut rest) {
                Some(a) if !a.is_empty() && !a.starts_with('#') => a,
                _ => return Err(bad(format!("missing Match criteria for {attrib}"))),
            };
            let r = match attr.as_str() {
                "host" => match_hostname(&host, &arg) == 1,
                "originalhost" => match_hostname(self.original, &arg) == 1,
                "user" => match_pattern_list(&ruser, &arg, false) == 1,
                "localuser" => match_pattern_list(&self.ctx.local_user, &arg, false) == 1,
                "exec" => {
                    let port = self.port().to_string();
                    let home = self.ctx.home.to_string_lossy().into_owned();
                    let lhost = self.ctx.local_host.clone();
                    let hash = conn_hash(&lhost, &host, &port, &ruser);
                    let keyalias = self
                        .o
                        .host_key_alias
                        .as_ref()
                        .map_or_else(|| host.clone(), |alias| alias.value.clone());
                    let uid = uid();
                    let keys = [
                        ('C', hash.as_str()),
                        ('L', short_host(&lhost)),
                        ('d', home.as_str()),
                        ('h', host.as_str()),
                        ('k', keyalias.as_str()),
                        ('l', lhost.as_str()),
                        ('n', self.original),
                        ('p', port.as_str()),
                        ('r', ruser.as_str()),
                        ('u', self.ctx.local_user.as_str()),
                        ('i', uid.as_str()),
                    ];
                    let cmd = percent_expand(&arg, &keys, false)
                        .map_err(|e| config_error(origin, format!("Match exec: {e}"), FIX_VALUE))?;
                    if !result {
                        continue;
                    }
                    run_exec(&cmd, origin)?
                }
                _ => return Err(bad(format!("unsupported Match attribute {attrib}"))),
            };
            if r == negate {
                result = false;
            }
        }
        if attributes == 0 {
            return Err(bad("one or more attributes required for Match".into()));
        }
        Ok(result)
    }

    fn line(
        &mut self,
        line: &Line,
        active: &mut bool,
        flags: Flags,
        depth: usize,
    ) -> Result<(), SshConfigError> {
        let origin = line.origin.as_str();
        let Some((kw, canonical)) = lookup(&line.lower) else {
            if let Some(ign) = &self.o.ignore_unknown {
                if match_pattern_list(&line.lower, ign, true) == 1 {
                    return Ok(());
                }
            }
            return Err(config_error(
                origin,
                format!("Bad configuration option: {}", line.lower),
                "fix the keyword (see ssh_config(5)), or list it in an IgnoreUnknown line before it",
            ));
        };
        let act = *active;
        let args = &line.args;
        let missing = || {
            config_error(
                origin,
                format!("missing argument for {canonical}"),
                FIX_VALUE,
            )
        };
        let one = || -> Result<&String, SshConfigError> {
            let a = args.first().filter(|a| !a.is_empty()).ok_or_else(missing)?;
            if args.len() > 1 {
                return Err(config_error(
                    origin,
                    format!("keyword {canonical} extra arguments at end of line"),
                    "quote the value if it contains spaces, or remove the extra words",
                ));
            }
            Ok(a)
        };
        match kw {
            Kw::Host => {
                if flags.cmdline {
                    return Err(config_error(
                        origin,
                        "Host is not allowed as an option",
                        "put it in a config file",
                    ));
                }
                *active = false;
                for arg in args {
                    if arg.is_empty() {
                        return Err(config_error(
                            origin,
                            "Host has an empty argument",
                            FIX_VALUE,
                        ));
                    }
                    if flags.never_match {
                        break;
                    }
                    let (negated, pat) = match arg.strip_prefix('!') {
                        Some(p) => (true, p),
                        None => (false, arg.as_str()),
                    };
                    if match_pattern(&self.host, pat) {
                        if negated {
                            *active = false;
                            break;
                        }
                        *active = true;
                    }
                }
            }
            Kw::Match => {
                if flags.cmdline {
                    return Err(config_error(
                        origin,
                        "Match is not allowed as an option",
                        "put it in a config file",
                    ));
                }
                let v = self.match_line(line)?;
                *active = !flags.never_match && v;
            }
            Kw::Include => {
                if flags.cmdline {
                    return Err(config_error(
                        origin,
                        "Include is not allowed as an option",
                        "put it in a config file",
                    ));
                }
                let oactive = *active;
                for f in &line.include {
                    self.run_file(f, active, flags.never_match || !oactive, depth + 1)?;
                    *active = oactive;
                }
            }
            Kw::HostName => {
                let a = one()?.clone();
                if !self.final_pass {
                    set(&mut self.o.hostname, act, a, origin);
                }
            }
            Kw::User => {
                let a = one()?.clone();
                set(&mut self.o.user, act, a, origin);
            }
            Kw::HostKeyAlias => {
                let a = one()?.clone();
                set(&mut self.o.host_key_alias, act, a, origin);
            }
            Kw::IgnoreUnknown => {
                let a = one()?.clone();
                if act && self.o.ignore_unknown.is_none() {
                    self.o.ignore_unknown = Some(a);
                }
            }
            Kw::Port => {
                let a = one()?;
                let p = a2port(a).ok_or_else(|| {
                    config_error(
                        origin,
                        format!("Bad port '{a}'"),
                        "use a number from 1 to 65535",
                    )
                })?;
                set(&mut self.o.port, act, p, origin);
            }
            Kw::IdentityFile | Kw::CertificateFile => {
                let a = args.first().filter(|a| !a.is_empty()).ok_or_else(missing)?;
                if args.len() > 1 {
                    return Err(config_error(
                        origin,
                        format!("keyword {canonical} extra arguments at end of line"),
                        "quote the path if it contains spaces",
                    ));
                }
                if act {
                    let (list, max) = if kw == Kw::IdentityFile {
                        (&mut self.o.identity, MAX_IDENTITY_FILES)
                    } else {
                        (&mut self.o.certs, MAX_CERTIFICATE_FILES)
                    };
                    if list.len() >= max {
                        return Err(config_error(
                            origin,
                            format!("too many {canonical}s specified (max {max})"),
                            "remove some",
                        ));
                    }
                    let userprovided = flags.user || flags.cmdline;
                    if !list.iter().any(|(p, u, _)| p == a && *u == userprovided) {
                        list.push((a.clone(), userprovided, origin.to_string()));
                    }
                }
            }
            Kw::IdentitiesOnly => {
                let a = one()?;
                let v = match a.to_ascii_lowercase().as_str() {
                    "yes" | "true" => true,
                    "no" | "false" => false,
                    _ => {
                        return Err(config_error(
                            origin,
                            format!("unsupported option \"{a}\" for {canonical}"),
                            "use yes or no",
                        ));
                    }
                };
                set(&mut self.o.identities_only, act, v, origin);
            }
            Kw::StrictHostKeyChecking => {
                let a = one()?;
                let v = match a.to_ascii_lowercase().as_str() {
                    "yes" | "true" => StrictHostKeyChecking::Yes,
                    "no" | "false" | "off" => StrictHostKeyChecking::No,
                    "ask" => StrictHostKeyChecking::Ask,
                    "accept-new" => StrictHostKeyChecking::AcceptNew,
                    _ => {
                        return Err(config_error(
                            origin,
                            format!("unsupported option \"{a}\" for {canonical}"),
                            "use yes, no, accept-new or ask",
                        ));
                    }
                };
                set(&mut self.o.strict, act, v, origin);
            }
            Kw::ConnectTimeout | Kw::ServerAliveInterval => {
                let a = one()?;
                if a != "none" {
                    let secs = convtime(a).ok_or_else(|| {
                        config_error(
                            origin,
                            format!("invalid time value \"{a}\" for {canonical}"),
                            "use seconds or a time like 1m30s",
                        )
                    })?;
                    let slot = if kw == Kw::ConnectTimeout {
                        &mut self.o.connect_timeout
                    } else {
                        &mut self.o.server_alive
                    };
                    set(slot, act, Duration::from_secs(secs), origin);
                }
            }
            Kw::KexAlgorithms | Kw::HostKeyAlgorithms | Kw::Ciphers | Kw::Macs => {
                let a = one()?.clone();
                let slot = match kw {
                    Kw::KexAlgorithms => &mut self.o.kex,
                    Kw::HostKeyAlgorithms => &mut self.o.hostkey,
                    Kw::Ciphers => &mut self.o.ciphers,
                    _ => &mut self.o.macs,
                };
                set(slot, act, AlgorithmList::new(&a), origin);
            }
            Kw::UserKnownHostsFile | Kw::GlobalKnownHostsFile => {
                let slot = if kw == Kw::UserKnownHostsFile {
                    &mut self.o.known_hosts
                } else {
                    &mut self.o.global_known_hosts
                };
                let was_empty = slot.is_none();
                let mut files = Vec::new();
                for (i, a) in args.iter().enumerate() {
                    if a.is_empty() {
                        return Err(config_error(
                            origin,
                            format!("{canonical} has an empty argument"),
                            FIX_VALUE,
                        ));
                    }
                    if a.eq_ignore_ascii_case("none") && (i > 0 || args.len() > 1) {
                        return Err(config_error(
                            origin,
                            format!("{canonical} \"none\" argument must appear alone"),
                            "remove the other files or the none",
                        ));
                    }
                    files.push(a.clone());
                }
                if files.len() > MAX_HOSTS_FILES && act && was_empty {
                    return Err(config_error(
                        origin,
                        format!("too many {canonical} entries"),
                        "remove some",
                    ));
                }
                if act && was_empty {
                    set(slot, act, files, origin);
                }
            }
            Kw::ProxyCommand => {
                // OpenSSH as installed (9.2p1 with Debian's 10.3p1 backports, like upstream
                // today): ProxyCommand takes its own slot; a ProxyJump chain fills it with
                // `none`, a `ProxyJump none` does not.
                let cmd = self.command_text(line);
                set(&mut self.o.proxy_command, act, cmd, origin);
            }
            Kw::ProxyJump => {
                let text = self.command_text(line);
                let chain = parse_jump_list(&text).map_err(|e| {
                    config_error(
                        origin,
                        format!("invalid ProxyJump \"{text}\": {e}"),
                        "use [user@]host[:port] or ssh://[user@]host[:port], comma separated, or none",
                    )
                })?;
                if flags.cmdline {
                    for hop in &chain {
                        if !valid_hostname(&hop.host)
                            || hop.user.as_deref().is_some_and(|u| !valid_ruser(u))
                        {
                            return Err(config_error(
                                origin,
                                format!("invalid ProxyJump \"{text}\": unsafe user or host name"),
                                "remove shell metacharacters and leading '-' from the jump host",
                            ));
                        }
                    }
                }
                if chain.is_empty() {
                    set(&mut self.o.jump, act, chain, origin);
                } else if act && self.o.proxy_command.is_none() && self.o.jump.is_none() {
                    set(&mut self.o.jump, act, chain, origin);
                    set(&mut self.o.proxy_command, act, "none".to_string(), origin);
                }
            }
            Kw::SshIgnores | Kw::NoEffect => {}
            Kw::Unsupported => self.note_unsupported(act, canonical, origin),
        }
        Ok(())
    }

    fn command_text(&self, line: &Line) -> String {
        if line.raw.is_empty() && !line.args.is_empty() {
            line.args.join(" ")
        } else {
            line.raw.clone()
        }
    }

    fn note_unsupported(&mut self, active: bool, canonical: &str, origin: &str) {
        if active && !self.o.unsupported.iter().any(|u| u.value == canonical) {
            self.o.unsupported.push(Sourced {
                value: canonical.to_string(),
                origin: origin.to_string(),
            });
        }
    }
}

/// `ssh_valid_hostname` (readconf.c): for jump hosts given on the command line.
fn valid_hostname(s: &str) -> bool {
    !s.starts_with('-')
        && !s
            .chars()
            .any(|c| "'`\"$\\;&<>|(){},".contains(c) || c.is_whitespace() || c.is_control())
}

/// `ssh_valid_ruser` (readconf.c): for jump users given on the command line.
fn valid_ruser(s: &str) -> bool {
    let b: Vec<char> = s.chars().collect();
    if b.first() == Some(&'-') {
        return false;
    }
    for (i, &c) in b.iter().enumerate() {
        if c.is_control() || "'`\";&<>|(){}".contains(c) {
            return false;
        }
        if c.is_whitespace() && b.get(i + 1) == Some(&'-') {
            return false;
        }
        if c == '\\' && i + 1 == b.len() {
            return false;
        }
    }
    true
}

fn run_exec(cmd: &str, origin: &str) -> Result<bool, SshConfigError> {
    let shell = std::env::var("SHELL").unwrap_or_else(|_| "/bin/sh".into());
    let status = std::process::Command::new(&shell)
        .arg("-c")
        .arg(cmd)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .status()
        .map_err(|e| {
            config_error(
                origin,
                format!("Match exec '{cmd}': cannot run {shell}: {e}"),
                "check $SHELL",
            )
        })?;
    match status.code() {
        Some(c) => Ok(c == 0),
        None => Err(config_error(
            origin,
            format!("Match exec '{cmd}' exited abnormally"),
            "make the command exit with a status",
        )),
    }
}

/// Turns an override directive into a line.
fn override_line(d: &Directive) -> Line {
    let lower = d.keyword.to_ascii_lowercase();
    let raw = if is_command_keyword(&lower) {
        d.args.join(" ")
    } else {
        String::new()
    };
    Line {
        lower,
        args: d.args.clone(),
        raw,
        origin: d.origin.clone(),
        include: Vec::new(),
    }
}

pub(crate) fn resolve(
    files: &[ConfigFile],
    name: &str,
    overrides: &[Directive],
    ctx: &Context,
) -> Result<HostConfig, SshConfigError> {
    let mut w = Walk {
        ctx,
        original: name,
        host: name.to_string(),
        final_pass: false,
        want_final: false,
        o: Opts::default(),
    };
    let cmd_flags = Flags {
        cmdline: true,
        never_match: false,
        user: true,
    };
    for d in overrides {
        let command = is_command_keyword(&d.keyword.to_ascii_lowercase());
        if d.args.is_empty() || (command && d.args.iter().all(|a| a.trim().is_empty())) {
            return Err(config_error(
                &d.origin,
                format!("no argument after keyword \"{}\"", d.keyword),
                "give it a value",
            ));
        }
        let mut active = true;
        w.line(&override_line(d), &mut active, cmd_flags, 0)?;
    }
    for f in files {
        let mut active = true;
        w.run_file(f, &mut active, false, 0)?;
    }
    // ssh.c: take HostName into use, lowercase the host unless it is an address.
    let mut host = match &w.o.hostname {
        Some(h) => percent_expand(&h.value, &[('h', name)], false)
            .map_err(|e| config_error(&h.origin, format!("HostName: {e}"), FIX_VALUE))?,
        None => name.to_string(),
    };
    if !is_addr(&host) {
        host = host.to_ascii_lowercase();
    }
    let host_name = w.o.hostname.as_ref().map(|h| Sourced {
        value: host.clone(),
        origin: h.origin.clone(),
    });
    if w.want_final {
        w.final_pass = true;
        w.host = host.clone();
        w.o.hostname = Some(Sourced {
            value: host.clone(),
            origin: String::new(),
        });
        for f in files {
            let mut active = true;
            w.run_file(f, &mut active, false, 0)?;
        }
    }
    finish(w.o, host, host_name, name, ctx)
}

fn finish(
    o: Opts,
    host: String,
    host_name: Option<Sourced<String>>,
    name: &str,
    ctx: &Context,
) -> Result<HostConfig, SshConfigError> {
    let port = o.port.as_ref().map(|p| p.value).unwrap_or(22).to_string();
    let ruser = o
        .user
        .as_ref()
        .map(|u| u.value.clone())
        .unwrap_or_else(|| ctx.local_user.clone());
    let home = ctx.home.to_string_lossy().into_owned();
    let lhost = ctx.local_host.as_str();
    let hash = conn_hash(lhost, &host, &port, &ruser);
    let keyalias = o
        .host_key_alias
        .as_ref()
        .map_or_else(|| name.to_string(), |alias| alias.value.clone());
    let uid = uid();
    let keys = [
        ('C', hash.as_str()),
        ('L', short_host(lhost)),
        ('i', uid.as_str()),
        ('k', keyalias.as_str()),
        ('l', lhost),
        ('n', name),
        ('p', port.as_str()),
        ('d', home.as_str()),
        ('h', host.as_str()),
        ('r', ruser.as_str()),
        ('u', ctx.local_user.as_str()),
    ];
    let file = |s: &str, origin: &str, what: &str| -> Result<PathBuf, SshConfigError> {
        let t = tilde_expand(s, &ctx.home)
            .map_err(|e| config_error(origin, format!("{what} {s}: {e}"), FIX_VALUE))?;
        percent_expand(&t, &keys, true)
            .map(PathBuf::from)
            .map_err(|e| {
                config_error(
                    origin,
                    format!("{what} {s}: {e}"),
                    "fix the %-token or ${VAR}",
                )
            })
    };
    let mut identity_files = Vec::new();
    for (p, _, origin) in &o.identity {
        let value = if p.eq_ignore_ascii_case("none") {
            PathBuf::from(p)
        } else {
            file(p, origin, "IdentityFile")?
        };
        identity_files.push(Sourced {
            value,
            origin: origin.clone(),
        });
    }
    let mut certificate_files = Vec::new();
    for (p, _, origin) in &o.certs {
        certificate_files.push(Sourced {
            value: file(p, origin, "CertificateFile")?,
            origin: origin.clone(),
        });
    }
    let user_known_hosts_files = known_hosts_files(&o.known_hosts, |f, origin| {
        file(f, origin, "UserKnownHostsFile")
    })?;
    // ssh expands only `~` in these (ssh.c), not %-tokens.
    let global_known_hosts_files = known_hosts_files(&o.global_known_hosts, |f, origin| {
        tilde_expand(f, &ctx.home)
            .map(PathBuf::from)
            .map_err(|e| config_error(origin, format!("GlobalKnownHostsFile {f}: {e}"), FIX_VALUE))
    })?;
    let proxy_command = match &o.proxy_command {
        Some(p) if !p.value.eq_ignore_ascii_case("none") => {
            let pkeys = [
                ('h', host.as_str()),
                ('k', keyalias.as_str()),
                ('n', name),
                ('p', port.as_str()),
                ('r', ruser.as_str()),
            ];
            Some(Sourced {
                value: percent_expand(&p.value, &pkeys, false).map_err(|e| {
                    config_error(
                        &p.origin,
                        format!("ProxyCommand: {e}"),
                        "use only %h %p %r %n %k or %%",
                    )
                })?,
                origin: p.origin.clone(),
            })
        }
        _ => None,
    };
    Ok(HostConfig {
        host_name,
        port: o.port,
        user: o.user,
        identity_files,
        identities_only: o.identities_only,
        certificate_files,
        proxy_jump: o.jump,
        proxy_command,
        user_known_hosts_files,
        global_known_hosts_files,
        host_key_alias: o.host_key_alias,
        strict_host_key_checking: o.strict,
        connect_timeout: o.connect_timeout,
        server_alive_interval: o.server_alive,
        kex_algorithms: o.kex,
        host_key_algorithms: o.hostkey,
        ciphers: o.ciphers,
        macs: o.macs,
        unsupported: o.unsupported,
    })
}

/// A `UserKnownHostsFile` or `GlobalKnownHostsFile` list with each file expanded; `none`
/// (which must stand alone) is an empty list.
fn known_hosts_files(
    written: &Option<Sourced<Vec<String>>>,
    expand: impl Fn(&str, &str) -> Result<PathBuf, SshConfigError>,
) -> Result<Option<Sourced<Vec<PathBuf>>>, SshConfigError> {
    let Some(written) = written else {
        return Ok(None);
    };
    let value = if written
        .value
        .first()
        .is_some_and(|f| f.eq_ignore_ascii_case("none"))
    {
        Vec::new()
    } else {
        written
            .value
            .iter()
            .map(|f| expand(f, &written.origin))
            .collect::<Result<_, _>>()?
    };
    Ok(Some(Sourced {
        value,
        origin: written.origin.clone(),
    }))
}
