//! Differential tests of `herd::ssh_config` against OpenSSH's own resolver, `ssh -G`.
//!
//! Every case is a config file (plus `-o` overrides and a host name); ssh's answer (or its
//! refusal) is compared field by field with `SshConfig::resolve`. A hand-picked table covers
//! the tricky rules; a seeded generator covers their combinations.
//!
//! ssh resolves `~` in IdentityFile and friends with the passwd home directory, so
//! `Context::home` is the passwd home; Include paths in these configs are absolute (inside a
//! temporary directory), and ssh runs with HOME set to that same passwd home.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::rng::Rng;
use herd::ssh_config::{Context, Directive, HostConfig, Sourced, SshConfig, StrictHostKeyChecking};

fn run(cmd: &str, args: &[&str]) -> String {
    let out = Command::new(cmd).args(args).output().unwrap_or_else(|e| {
        panic!("cannot run `{cmd}`: {e}; the oracle needs openssh-client (scripts/setup-machine.sh installs it)")
    });
    assert!(
        out.status.success(),
        "`{cmd} {args:?}` failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

struct Oracle {
    ctx: Context,
    dir: tempfile::TempDir,
    defaults: BTreeMap<String, Vec<String>>,
    all_kex: Vec<String>,
    all_cipher: Vec<String>,
    all_mac: Vec<String>,
    all_key: Vec<String>,
}

type SshOut = BTreeMap<String, Vec<String>>;

fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::to_string).collect()
}

impl Oracle {
    fn new() -> Oracle {
        let version = Command::new("ssh").arg("-V").output().unwrap_or_else(|e| {
            panic!(
                "cannot run `ssh -V`: {e}; install openssh-client (scripts/setup-machine.sh does)"
            )
        });
        assert!(version.status.success(), "`ssh -V` failed");
        let user = run("id", &["-un"]);
        let passwd = run("getent", &["passwd", &user]);
        let home = passwd.split(':').nth(5).expect("passwd home").to_string();
        let local_host = run("hostname", &[]);
        let ctx = Context {
            local_user: user,
            home: PathBuf::from(home),
            local_host,
        };
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty");
        std::fs::write(&empty, "").unwrap();
        let mut o = Oracle {
            ctx,
            dir,
            defaults: BTreeMap::new(),
            all_kex: lines(&run("ssh", &["-Q", "kex"])),
            all_cipher: lines(&run("ssh", &["-Q", "cipher"])),
            all_mac: lines(&run("ssh", &["-Q", "mac"])),
            // HostKeyAlgorithms is assembled against sshkey_alg_list(0, 0, 1): every key type,
            // certificates and signature-only names (rsa-sha2-*) included: `ssh -Q key-sig`.
            all_key: lines(&run("ssh", &["-Q", "key-sig"])),
        };
        o.defaults = o
            .ssh_g(&empty, &[], "defaulthost")
            .expect("ssh -G of an empty config");
        o
    }

    fn ssh_g(&self, file: &Path, overrides: &[(&str, &str)], name: &str) -> Option<SshOut> {
        let mut cmd = Command::new("ssh");
        cmd.arg("-G").arg("-F").arg(file);
        for (k, v) in overrides {
            cmd.arg("-o").arg(format!("{k}={v}"));
        }
        cmd.arg(name)
            .env("HOME", &self.ctx.home)
            .env("SHELL", "/bin/sh");
        let out = cmd.output().expect("run ssh -G");
        if !out.status.success() {
            return None;
        }
        let mut map = SshOut::new();
        for l in String::from_utf8_lossy(&out.stdout).lines() {
            let (k, v) = l.split_once(' ').unwrap_or((l, ""));
            map.entry(k.to_string()).or_default().push(v.to_string());
        }
        Some(map)
    }

    fn one<'a>(&self, m: &'a SshOut, k: &str) -> Option<&'a str> {
        m.get(k).and_then(|v| v.first()).map(String::as_str)
    }

    /// Expands a path ssh -G printed unexpanded (IdentityFile, CertificateFile), with the
    /// host, port and user ssh itself printed.
    fn expand_like_ssh(&self, s: &str, m: &SshOut, name: &str, proxy: bool) -> String {
        let home = self.ctx.home.to_string_lossy().to_string();
        let mut t = s.to_string();
        if !proxy {
            if t == "~" {
                t = format!("{home}/");
            } else if let Some(rest) = t.strip_prefix("~/") {
                t = format!(
                    "{}/{}",
                    home.trim_end_matches('/'),
                    rest.trim_start_matches('/')
                );
            }
        }
        let short = self.ctx.local_host.split('.').next().unwrap().to_string();
        let mut out = String::new();
        let mut it = t.chars();
        while let Some(c) = it.next() {
            if c != '%' {
                out.push(c);
                continue;
            }
            let k = it.next().unwrap();
            let v = match k {
                '%' => "%".to_string(),
                'h' => self.one(m, "hostname").unwrap().to_string(),
                'p' => self.one(m, "port").unwrap().to_string(),
                'r' => self.one(m, "user").unwrap().to_string(),
                'n' => name.to_string(),
                'u' if !proxy => self.ctx.local_user.clone(),
                'd' if !proxy => home.clone(),
                'l' if !proxy => self.ctx.local_host.clone(),
                'L' if !proxy => short.clone(),
                other => panic!("test config uses token %{other} the oracle does not expand"),
            };
            out.push_str(&v);
        }
        out
    }

    fn algos(
        &self,
        got: &Option<herd::ssh_config::Sourced<herd::ssh_config::AlgorithmList>>,
        key: &str,
        all: &[String],
    ) -> Result<String, String> {
        let defaults: Vec<&str> = self.defaults[key][0].split(',').collect();
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        match got {
            None => Ok(defaults.join(",")),
            Some(a) => a.value.apply(&defaults, &all).map(|v| v.join(",")),
        }
    }

    /// Compares one case; returns a description of every difference.
    fn compare(
        &self,
        text: &str,
        overrides: &[(&str, &str)],
        name: &str,
        case: &str,
    ) -> Vec<String> {
        self.compare_counted(text, overrides, name, case).0
    }

    /// Like `compare`, also saying whether both sides resolved (rather than both refusing).
    fn compare_counted(
        &self,
        text: &str,
        overrides: &[(&str, &str)],
        name: &str,
        case: &str,
    ) -> (Vec<String>, bool) {
        let file = self.dir.path().join("config");
        std::fs::write(&file, text).unwrap();
        let ssh = self.ssh_g(&file, overrides, name);
        let dirs: Vec<Directive> = overrides
            .iter()
            .map(|(k, v)| Directive::new(k, v, "command-line"))
            .collect();
        let mine = SshConfig::parse(&file, text, &self.ctx)
            .and_then(|c| c.resolve(name, &dirs, &self.ctx));
        let mut diffs = Vec::new();
        let mut d = |what: &str, ssh: String, mine: String| {
            if ssh != mine {
                diffs.push(format!("{case}: {what}: ssh {ssh:?} herd {mine:?}"));
            }
        };
        let (ssh, h): (SshOut, HostConfig) = match (ssh, mine) {
            (None, Err(_)) => return (diffs, false),
            (None, Ok(h)) => {
                d("result", "error".into(), format!("{h:?}"));
                return (diffs, false);
            }
            (Some(_), Err(e)) => {
                d("result", "ok".into(), e.to_string());
                return (diffs, false);
            }
            (Some(s), Ok(h)) => (s, h),
        };
        let get = |k: &str| ssh.get(k).cloned().unwrap_or_default().join(" ");
        let addr = name.parse::<std::net::IpAddr>().is_ok();
        let want_host = h
            .host_name
            .as_ref()
            .map(|s| s.value.clone())
            .unwrap_or_else(|| {
                if addr {
                    name.to_string()
                } else {
                    name.to_ascii_lowercase()
                }
            });
        d("hostname", get("hostname"), want_host);
        d(
            "port",
            get("port"),
            h.port.as_ref().map(|p| p.value).unwrap_or(22).to_string(),
        );
        d(
            "user",
            get("user"),
            h.user
                .as_ref()
                .map(|u| u.value.clone())
                .unwrap_or_else(|| self.ctx.local_user.clone()),
        );
        let ids: Vec<String> = h
            .identity_files
            .iter()
            .map(|f| f.value.display().to_string())
            .collect();
        let ssh_ids = ssh.get("identityfile").cloned().unwrap_or_default();
        if ids.is_empty() {
            d(
                "identityfile",
                ssh_ids.join(" "),
                self.defaults["identityfile"].join(" "),
            );
        } else {
            let expanded: Vec<String> = ssh_ids
                .iter()
                .map(|s| {
                    if s == "none" {
                        s.clone()
                    } else {
                        self.expand_like_ssh(s, &ssh, name, false)
                    }
                })
                .collect();
            d("identityfile", expanded.join(" "), ids.join(" "));
        }
        let certs: Vec<String> = h
            .certificate_files
            .iter()
            .map(|f| f.value.display().to_string())
            .collect();
        let ssh_certs: Vec<String> = ssh
            .get("certificatefile")
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|s| self.expand_like_ssh(s, &ssh, name, false))
            .collect();
        d("certificatefile", ssh_certs.join(" "), certs.join(" "));
        d(
            "identitiesonly",
            get("identitiesonly"),
            if h.identities_only.as_ref().is_some_and(|v| v.value) {
                "yes"
            } else {
                "no"
            }
            .into(),
        );
        // proxyjump: ssh prints the chain (the last hop rebuilt); none and unset print nothing.
        let ssh_jump = match self.one(&ssh, "proxyjump") {
            Some(t) => format!(
                "{:?}",
                herd::ssh_config::parse_jump_list(t).expect("ssh's proxyjump parses")
            ),
            None => "[]".into(),
        };
        let my_jump = format!(
            "{:?}",
            h.proxy_jump
                .as_ref()
                .map(|j| j.value.clone())
                .unwrap_or_default()
        );
        d("proxyjump", ssh_jump, my_jump);
        let ssh_pc = self
            .one(&ssh, "proxycommand")
            .map(|p| self.expand_like_ssh(p, &ssh, name, true));
        d(
            "proxycommand",
            format!("{ssh_pc:?}"),
            format!("{:?}", h.proxy_command.as_ref().map(|p| p.value.clone())),
        );
        // How ssh -G prints a known_hosts list, from herd's.
        let files_text = |files: &Option<Sourced<Vec<PathBuf>>>, key: &str| match files {
            None => self.defaults[key].join(" "),
            Some(f) if f.value.is_empty() => "none".into(),
            Some(f) => f
                .value
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(" "),
        };
        d(
            "userknownhostsfile",
            get("userknownhostsfile"),
            files_text(&h.user_known_hosts_files, "userknownhostsfile"),
        );
        // ssh -G prints these as written; ssh expands only `~` in them (ssh.c).
        let tilde = |f: &str| match f.strip_prefix("~/") {
            Some(rest) => format!(
                "{}/{rest}",
                self.ctx.home.to_string_lossy().trim_end_matches('/')
            ),
            None => f.to_string(),
        };
        let ssh_gkh = get("globalknownhostsfile")
            .split(' ')
            .map(tilde)
            .collect::<Vec<_>>()
            .join(" ");
        d(
            "hostkeyalias",
            get("hostkeyalias"),
            h.host_key_alias
                .as_ref()
                .map(|a| a.value.clone())
                .unwrap_or_default(),
        );
        d(
            "globalknownhostsfile",
            ssh_gkh,
            files_text(&h.global_known_hosts_files, "globalknownhostsfile"),
        );
        let strict = match h.strict_host_key_checking.as_ref().map(|s| s.value) {
            None | Some(StrictHostKeyChecking::Ask) => "ask",
            Some(StrictHostKeyChecking::Yes) => "true",
            Some(StrictHostKeyChecking::No) => "false",
            Some(StrictHostKeyChecking::AcceptNew) => "accept-new",
        };
        d(
            "stricthostkeychecking",
            get("stricthostkeychecking"),
            strict.into(),
        );
        let secs = |v: &Option<herd::ssh_config::Sourced<Duration>>, none: &str| {
            v.as_ref()
                .map(|s| s.value.as_secs().to_string())
                .unwrap_or_else(|| none.to_string())
        };
        d(
            "connecttimeout",
            get("connecttimeout"),
            secs(&h.connect_timeout, "none"),
        );
        d(
            "serveraliveinterval",
            get("serveraliveinterval"),
            secs(&h.server_alive_interval, "0"),
        );
        let alg = |r: Result<String, String>| r.unwrap_or_else(|e| format!("error: {e}"));
        d(
            "kexalgorithms",
            get("kexalgorithms"),
            alg(self.algos(&h.kex_algorithms, "kexalgorithms", &self.all_kex)),
        );
        d(
            "ciphers",
            get("ciphers"),
            alg(self.algos(&h.ciphers, "ciphers", &self.all_cipher)),
        );
        d(
            "macs",
            get("macs"),
            alg(self.algos(&h.macs, "macs", &self.all_mac)),
        );
        d(
            "hostkeyalgorithms",
            get("hostkeyalgorithms"),
            alg(self.algos(&h.host_key_algorithms, "hostkeyalgorithms", &self.all_key)),
        );
        (diffs, true)
    }
}

struct Case {
    name: &'static str,
    host: &'static str,
    config: &'static str,
    overrides: &'static [(&'static str, &'static str)],
}

const TABLE: &[Case] = &[
    Case {
        name: "negation",
        host: "web2",
        config: "Host web* !web2\n User a\nHost *\n User b\n",
        overrides: &[],
    },
    Case {
        name: "negation first",
        host: "web2",
        config: "Host !web2 web*\n User a\n",
        overrides: &[],
    },
    Case {
        name: "several patterns",
        host: "db3",
        config: "Host web? db?\n Port 2200\n",
        overrides: &[],
    },
    Case {
        name: "case of Host",
        host: "WEB1",
        config: "Host web1\n User lower\nHost WEB1\n User upper\n",
        overrides: &[],
    },
    Case {
        name: "first wins across blocks",
        host: "web1",
        config: "Host web1\n Port 1\nHost *\n Port 2\n User all\n",
        overrides: &[],
    },
    Case {
        name: "override first",
        host: "web1",
        config: "Port 1\nUser file\n",
        overrides: &[("Port", "3"), ("User", "cli")],
    },
    Case {
        name: "match host after hostname",
        host: "alias",
        config: "Host alias\n HostName Real.Example\nMatch host real.example\n User m\n",
        overrides: &[],
    },
    Case {
        name: "match host with %h hostname",
        host: "web1",
        config: "HostName %h.corp\nMatch host web1.corp\n Port 9\n",
        overrides: &[],
    },
    Case {
        name: "match originalhost",
        host: "alias",
        config: "HostName real\nMatch originalhost ali*\n User o\n",
        overrides: &[],
    },
    Case {
        name: "match user",
        host: "x",
        config: "User deploy\nMatch user deploy\n Port 2\nMatch user !deploy\n Port 3\n",
        overrides: &[],
    },
    Case {
        name: "match localuser negated",
        host: "x",
        config: "Match !localuser nobody_at_all\n Port 4\n",
        overrides: &[],
    },
    Case {
        name: "match exec true",
        host: "x",
        config: "Match exec true\n Port 5\n",
        overrides: &[],
    },
    Case {
        name: "match exec false",
        host: "x",
        config: "Match exec false\n Port 5\nPort 6\n",
        overrides: &[],
    },
    Case {
        name: "match exec tokens",
        host: "web1",
        config: "Match exec \"test %h = web1 -a %p = 22 -a %n = web1\"\n User t\n",
        overrides: &[],
    },
    Case {
        name: "match exec skipped",
        host: "x",
        config: "Match host nomatch exec \"exit 1\"\n User t\n",
        overrides: &[],
    },
    Case {
        name: "match all",
        host: "x",
        config: "Match all\n User a\n",
        overrides: &[],
    },
    Case {
        name: "match canonical",
        host: "x",
        config: "Match canonical\n User c\n",
        overrides: &[],
    },
    Case {
        name: "match final",
        host: "alias",
        config: "Host alias\n HostName real.example\nMatch final host real.example\n User f\nHost real.example\n Port 7\n",
        overrides: &[],
    },
    Case {
        name: "match !final",
        host: "x",
        config: "Match !final\n User nf\nMatch final\n User f\n",
        overrides: &[],
    },
    Case {
        name: "match bad attribute",
        host: "x",
        config: "Match nonsense x\n User a\n",
        overrides: &[],
    },
    Case {
        name: "match all combined",
        host: "x",
        config: "Match all host x\n User a\n",
        overrides: &[],
    },
    Case {
        name: "match missing criteria",
        host: "x",
        config: "Match host\n",
        overrides: &[],
    },
    Case {
        name: "tokens in files",
        host: "web1",
        config: "HostName %h.example\nUser u1\nPort 2222\nIdentityFile ~/.ssh/id_%h_%r_%p_%u_%n_%l_%L_%d_%%\nIdentityFile /abs/key\nIdentityFile /abs/key\nUserKnownHostsFile ~/kh_%h %d/kh_%n_%C_%i_%k\nCertificateFile ~/c_%h\n",
        overrides: &[],
    },
    Case {
        name: "identity none",
        host: "x",
        config: "IdentityFile none\n",
        overrides: &[],
    },
    Case {
        name: "proxycommand tokens",
        host: "web1",
        config: "User u\nProxyCommand ssh -W %h:%p %r@jump %n %%\n",
        overrides: &[],
    },
    Case {
        name: "proxyjump then command",
        host: "x",
        config: "ProxyJump u@j1:2,j2\nProxyCommand nc %h %p\n",
        overrides: &[],
    },
    Case {
        name: "command then proxyjump",
        host: "x",
        config: "ProxyCommand nc %h %p\nProxyJump j1\n",
        overrides: &[],
    },
    Case {
        name: "proxycommand none then jump",
        host: "x",
        config: "ProxyCommand none\nProxyJump j1\n",
        overrides: &[],
    },
    Case {
        name: "proxyjump none then command",
        host: "x",
        config: "ProxyJump none\nProxyCommand nc %h\n",
        overrides: &[],
    },
    Case {
        name: "command then proxyjump none",
        host: "x",
        config: "ProxyCommand nc %h\nProxyJump none\n",
        overrides: &[],
    },
    Case {
        name: "proxyjump none then chain",
        host: "x",
        config: "ProxyJump none\nProxyJump j1\n",
        overrides: &[],
    },
    Case {
        name: "unsafe jump on command line",
        host: "x",
        config: "",
        overrides: &[("ProxyJump", "a;b")],
    },
    Case {
        name: "unsafe jump user on command line",
        host: "x",
        config: "",
        overrides: &[("ProxyJump", "-u@b")],
    },
    Case {
        name: "odd jump host in file",
        host: "x",
        config: "ProxyJump a$b\n",
        overrides: &[],
    },
    Case {
        name: "proxyjump uri and v6",
        host: "x",
        config: "ProxyJump ssh://u@j1:2,[::1]:3\n",
        overrides: &[],
    },
    Case {
        name: "proxyjump override",
        host: "x",
        config: "ProxyCommand nc %h %p\n",
        overrides: &[("ProxyJump", "cli@j:9")],
    },
    Case {
        name: "none values",
        host: "x",
        config: "UserKnownHostsFile none\nConnectTimeout none\nConnectTimeout 7\nServerAliveInterval none\n",
        overrides: &[],
    },
    Case {
        name: "time formats",
        host: "x",
        config: "ConnectTimeout 1m30s\nServerAliveInterval 1h\n",
        overrides: &[],
    },
    Case {
        name: "booleans",
        host: "x",
        config: "IdentitiesOnly TRUE\nStrictHostKeyChecking off\n",
        overrides: &[],
    },
    Case {
        name: "strict accept-new",
        host: "x",
        config: "StrictHostKeyChecking accept-new\n",
        overrides: &[],
    },
    Case {
        name: "algorithms +",
        host: "x",
        config: "KexAlgorithms +diffie-hellman-group14-sha1\nHostKeyAlgorithms +ssh-rsa\nCiphers +aes128-cbc\nMACs +hmac-sha1-96\n",
        overrides: &[],
    },
    Case {
        name: "algorithms -",
        host: "x",
        config: "KexAlgorithms -*nistp*,sntrup*\nHostKeyAlgorithms -*cert*\nCiphers -chacha20*\nMACs -umac*\n",
        overrides: &[],
    },
    Case {
        name: "algorithms ^",
        host: "x",
        config: "KexAlgorithms ^diffie-hellman-group14-sha256\nHostKeyAlgorithms ^ssh-rsa,rsa-sha2-512\nCiphers ^aes256-ctr\nMACs ^hmac-sha2-512\n",
        overrides: &[],
    },
    Case {
        name: "algorithms plain",
        host: "x",
        config: "KexAlgorithms curve25519-sha256,ecdh-sha2-nistp256\nHostKeyAlgorithms ssh-ed25519,ssh-ed25519-cert-v01@openssh.com\nCiphers aes128-ctr\nMACs hmac-sha2-256\n",
        overrides: &[],
    },
    Case {
        name: "equals and quotes",
        host: "x",
        config: "User=\"quoted\"\nIdentityFile \"/k/with space\"\nport = 2\n",
        overrides: &[],
    },
    Case {
        name: "unknown keyword",
        host: "x",
        config: "Host nomatch\n NoSuchOption 1\n",
        overrides: &[],
    },
    Case {
        name: "ignore unknown",
        host: "x",
        config: "IgnoreUnknown NoSuch*\nNoSuchOption 1\nPort 3\n",
        overrides: &[],
    },
    Case {
        name: "deprecated",
        host: "x",
        config: "UseRoaming no\nProtocol 2\nPort 3\n",
        overrides: &[],
    },
    Case {
        name: "bad port",
        host: "x",
        config: "Port 0\n",
        overrides: &[],
    },
    Case {
        name: "extra args",
        host: "x",
        config: "User a b\n",
        overrides: &[],
    },
    Case {
        name: "bad quotes",
        host: "x",
        config: "User \"a\n",
        overrides: &[],
    },
    Case {
        name: "hostname address not lowercased",
        host: "x",
        config: "HostName FE80::1\n",
        overrides: &[],
    },
    Case {
        name: "comments",
        host: "x",
        config: "# c\n  Port 4 # trailing\n\n\tUser u\n",
        overrides: &[],
    },
];

const INCLUDE_TABLE: &[(&str, &str, &str)] = &[
    // (main config with @DIR@, host, description)
    (
        "Host web*\n Include @DIR@/inc/*.conf\n Port 1\nHost *\n User rest\n",
        "web1",
        "include glob inside Host",
    ),
    (
        "Match host nomatch\n Include @DIR@/inc/a.conf\nUser after\n",
        "web1",
        "include inside false Match",
    ),
    (
        "Include @DIR@/inc/none-*.conf\nInclude @DIR@/inc/b.conf\n",
        "x",
        "include no match then file",
    ),
    ("Include @DIR@/inc/nested.conf\n", "web1", "nested include"),
];

#[test]
fn table_matches_ssh_g() {
    let o = Oracle::new();
    let mut diffs = Vec::new();
    for c in TABLE {
        diffs.extend(o.compare(c.config, c.overrides, c.host, c.name));
    }
    let inc = o.dir.path().join("inc");
    std::fs::create_dir_all(&inc).unwrap();
    std::fs::write(
        inc.join("a.conf"),
        "Host web1\n User from_a\nHost *\n IdentityFile /a/%h\n",
    )
    .unwrap();
    std::fs::write(inc.join("b.conf"), "Port 2\nUser from_b\n").unwrap();
    std::fs::write(
        inc.join("nested.conf"),
        format!("Include {}/b.conf\nPort 9\n", inc.display()),
    )
    .unwrap();
    for (text, host, what) in INCLUDE_TABLE {
        let text = text.replace("@DIR@", &o.dir.path().display().to_string());
        diffs.extend(o.compare(&text, &[], host, what));
    }
    assert!(
        diffs.is_empty(),
        "{} differences:\n{}",
        diffs.len(),
        diffs.join("\n")
    );
}

const NAMES: &[&str] = &[
    "web1",
    "web2",
    "db1",
    "Web1",
    "alias",
    "10.0.0.5",
    "WEB1.Example",
];
const HOST_PATTERNS: &[&str] = &[
    "*",
    "web*",
    "!web2",
    "db?",
    "alias",
    "w*1",
    "!*",
    "real.example",
    "WEB1",
    "10.0.0.*",
];
const MATCHES: &[&str] = &[
    "all",
    "host web*",
    "host real.example",
    "!host db1",
    "originalhost alias",
    "originalhost Web1",
    "user alice",
    "user !alice,*",
    "localuser @LOCAL@",
    "!localuser @LOCAL@",
    "exec true",
    "exec false",
    "exec \"test %h = web1\"",
    "final",
    "final host real.example",
    "canonical",
    "!final",
    "host *.example user bob",
    "exec \"test %u = @LOCAL@ -a %r = bob\"",
    "host web1,!web2 originalhost !db*",
    "nonsense x",
];
const DIRECTIVES: &[(&str, &[&str])] = &[
    (
        "HostName",
        &["real.example", "%h.example", "10.1.1.1", "Real.Example"],
    ),
    ("Port", &["22", "2200", "2222"]),
    ("User", &["alice", "bob"]),
    (
        "IdentityFile",
        &["~/.ssh/id_%h", "/k/%r_%p", "~/id_x", "/k/%n_%u_%d", "none"],
    ),
    ("IdentitiesOnly", &["yes", "no"]),
    ("CertificateFile", &["~/c_%h", "/c/%r"]),
    ("ProxyJump", &["j1", "u@j2:2", "j1,u@j2:2", "none"]),
    ("ProxyCommand", &["nc %h %p", "none", "ssh -W %h:%p %r@j"]),
    ("UserKnownHostsFile", &["~/k_%h", "none", "%d/k1 /k2_%n_%C"]),
    ("GlobalKnownHostsFile", &["~/g1 /etc/g_%h", "none", "/g2"]),
    ("HostKeyAlias", &["alias1", "k_%h"]),
    (
        "StrictHostKeyChecking",
        &["yes", "no", "accept-new", "ask", "off"],
    ),
    ("ConnectTimeout", &["5", "1m30s", "none", "0"]),
    ("ServerAliveInterval", &["10", "none", "2m"]),
    (
        "KexAlgorithms",
        &[
            "+diffie-hellman-group14-sha1",
            "-*sha1*,*nistp*",
            "^curve25519-sha256",
            "curve25519-sha256,ecdh-sha2-nistp256",
        ],
    ),
    (
        "HostKeyAlgorithms",
        &[
            "+ssh-rsa",
            "-ssh-rsa*,*cert*",
            "^ssh-ed25519",
            "ssh-ed25519,rsa-sha2-256",
        ],
    ),
    (
        "Ciphers",
        &[
            "+aes128-cbc",
            "-chacha20*",
            "^aes256-gcm@openssh.com",
            "aes128-ctr",
        ],
    ),
    (
        "MACs",
        &["+hmac-md5", "-umac*", "^hmac-sha1", "hmac-sha2-256"],
    ),
    ("ForwardAgent", &["yes"]),
    ("LocalForward", &["1234 h:22"]),
    ("IgnoreUnknown", &["NoSuch*"]),
    // Lines ssh refuses: both sides must refuse. Keep them last (REFUSED_LINES).
    ("Port", &["0"]),
    ("NoSuchOption", &["1"]),
];
/// How many of the last DIRECTIVES ssh refuses. The Included files leave them out: one of
/// them there would refuse every case that includes that file.
const REFUSED_LINES: usize = 2;
const OVERRIDES: &[(&str, &str)] = &[
    ("Port", "2022"),
    ("User", "ov"),
    ("ProxyJump", "oj"),
    ("IdentityFile", "/o/%h"),
    ("HostName", "ov.example"),
    ("StrictHostKeyChecking", "no"),
];

fn gen_block(r: &mut Rng, out: &mut String, inc: &Path, refusals: bool) {
    let n = 1 + r.below(4);
    for _ in 0..n {
        if r.below(12) == 0 {
            out.push_str(&format!(
                " Include {}/g{}.conf\n",
                inc.display(),
                r.below(3)
            ));
            continue;
        }
        let choices = if refusals {
            DIRECTIVES
        } else {
            &DIRECTIVES[..DIRECTIVES.len() - REFUSED_LINES]
        };
        let (k, vs) = choices[r.below(choices.len())];
        out.push_str(&format!(" {k} {}\n", r.pick(vs)));
    }
}

fn gen_config(r: &mut Rng, local: &str, inc: &Path, refusals: bool) -> String {
    let mut out = String::new();
    let blocks = 1 + r.below(5);
    for _ in 0..blocks {
        match r.below(3) {
            0 => {}
            1 => {
                let n = 1 + r.below(3);
                let pats: Vec<&str> = (0..n).map(|_| *r.pick(HOST_PATTERNS)).collect();
                out.push_str(&format!("Host {}\n", pats.join(" ")));
            }
            _ => {
                let m = r.pick(MATCHES).replace("@LOCAL@", local);
                out.push_str(&format!("Match {m}\n"));
            }
        }
        gen_block(r, &mut out, inc, refusals);
    }
    out
}

#[test]
fn generated_configs_match_ssh_g() {
    let o = Oracle::new();
    let inc = o.dir.path().join("gen");
    std::fs::create_dir_all(&inc).unwrap();
    let mut r = Rng(0x9E3779B97F4A7C15);
    for i in 0..3 {
        let text = gen_config(&mut r, &o.ctx.local_user, Path::new("/nonexistent"), false);
        std::fs::write(inc.join(format!("g{i}.conf")), text).unwrap();
    }
    let started = std::time::Instant::now();
    let mut diffs = Vec::new();
    let (mut cases, mut resolved) = (0, 0);
    for i in 0..400 {
        if started.elapsed() > Duration::from_secs(90) {
            break;
        }
        let text = gen_config(&mut r, &o.ctx.local_user, &inc, true);
        let name = *r.pick(NAMES);
        let overrides: Vec<(&str, &str)> = (0..r.below(3))
            .map(|_| OVERRIDES[r.below(OVERRIDES.len())])
            .collect();
        let (found, ok) = o.compare_counted(
            &text,
            &overrides,
            name,
            &format!("case {i} ({name}, {overrides:?}):\n{text}"),
        );
        diffs.extend(found);
        cases += 1;
        resolved += ok as usize;
    }
    eprintln!("{cases} generated cases, {resolved} resolved by both, the rest refused by both");
    assert!(cases >= 100, "only {cases} cases ran in the time limit");
    // Most cases must resolve, or the comparison would be mostly about refusals.
    assert!(
        resolved * 2 > cases,
        "only {resolved} of {cases} cases resolved"
    );
    assert!(
        diffs.is_empty(),
        "{} differences:\n{}",
        diffs.len(),
        diffs.join("\n")
    );
}
