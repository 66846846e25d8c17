//! Rules of the resolver, one test each (the oracle test compares with `ssh -G`).

use super::*;

fn ctx() -> Context {
    Context {
        local_user: "me".into(),
        home: PathBuf::from("/home/me"),
        local_host: "box.lan".into(),
    }
}

fn cfg(text: &str) -> SshConfig {
    SshConfig::parse(Path::new("/home/me/.ssh/config"), text, &ctx()).unwrap()
}

fn res(text: &str, name: &str) -> HostConfig {
    cfg(text).resolve(name, &[], &ctx()).unwrap()
}

fn err(text: &str, name: &str) -> String {
    match SshConfig::parse(Path::new("/home/me/.ssh/config"), text, &ctx()) {
        Err(e) => e.to_string(),
        Ok(c) => c.resolve(name, &[], &ctx()).unwrap_err().to_string(),
    }
}

#[test]
fn first_value_wins_and_origins() {
    let h = res(
        "Host web*\n  Port 2200\nHost *\n  Port 22\n  User bob\n",
        "web1",
    );
    assert_eq!(h.port.as_ref().unwrap().value, 2200);
    assert_eq!(h.port.unwrap().origin, "~/.ssh/config:2");
    assert_eq!(h.user.unwrap().value, "bob");
}

#[test]
fn host_patterns_and_negation() {
    let t = "Host a* !ab\n User x\nHost *\n User y\n";
    assert_eq!(res(t, "ac").user.unwrap().value, "x");
    assert_eq!(res(t, "ab").user.unwrap().value, "y");
    assert_eq!(res("Host !a b\n User x\n", "b").user.unwrap().value, "x");
    assert!(res("Host !a\n User x\n", "b").user.is_none());
    // Host matching is case-sensitive against the name as given, like ssh 9.2.
    assert!(res("Host web\n User x\n", "WEB").user.is_none());
}

#[test]
fn keywords_case_insensitive_and_equals() {
    let h = res("HOSTNAME=Real.Example\nport = 2\n", "x");
    assert_eq!(h.host_name.unwrap().value, "real.example");
    assert_eq!(h.port.unwrap().value, 2);
}

#[test]
fn hostname_percent_h() {
    assert_eq!(
        res("HostName %h.corp\n", "Web").host_name.unwrap().value,
        "web.corp"
    );
    assert_eq!(
        res("HostName 10.0.0.1\n", "x").host_name.unwrap().value,
        "10.0.0.1"
    );
}

#[test]
fn identity_files_accumulate_and_expand() {
    let h = res(
        "Host x\n IdentityFile ~/.ssh/id_%h_%r\n IdentityFile ~/.ssh/id_%h_%r\nHost *\n IdentityFile /k/%u@%l_%L_%p_%n_%d\n User u\n HostName H.example\n Port 2\n",
        "x",
    );
    let files: Vec<String> = h
        .identity_files
        .iter()
        .map(|f| f.value.display().to_string())
        .collect();
    assert_eq!(
        files,
        vec![
            "/home/me/.ssh/id_h.example_u",
            "/k/me@box.lan_box_2_x_/home/me"
        ]
    );
}

#[test]
fn proxy_jump_and_command_first_wins() {
    let h = res("ProxyJump a,b:2\nProxyCommand nc %h %p\n", "x");
    assert_eq!(h.proxy_jump.unwrap().value.len(), 2);
    assert!(h.proxy_command.is_none());
    let h = res("ProxyCommand nc %h %p %r %n %%\nProxyJump a\n", "x");
    assert!(h.proxy_jump.is_none());
    assert_eq!(h.proxy_command.unwrap().value, "nc x 22 me x %");
    let h = res("ProxyCommand none\nProxyJump a\n", "x");
    assert!(h.proxy_jump.is_none() && h.proxy_command.is_none());
    // As the installed ssh (upstream today): `ProxyJump none` leaves the command slot free.
    let h = res("ProxyJump none\nProxyCommand nc\n", "x");
    assert_eq!(h.proxy_jump.unwrap().value, vec![]);
    assert_eq!(h.proxy_command.unwrap().value, "nc");
    let h = res("ProxyJump none\nProxyJump a\n", "x");
    assert_eq!(h.proxy_jump.unwrap().value, vec![]);
    // Jump hosts from the command line are checked for shell metacharacters, as ssh does.
    let c = cfg("");
    let bad = c.resolve("x", &[Directive::new("ProxyJump", "a;b", "cli")], &ctx());
    assert!(bad.unwrap_err().to_string().contains("unsafe"));
    assert!(res("ProxyJump a$b\n", "x").proxy_jump.is_some());
    assert!(err("ProxyCommand nc %u\n", "x").contains("%u"));
}

#[test]
fn known_hosts_and_none() {
    let h = res("UserKnownHostsFile ~/k_%h %d/k2\n", "x");
    assert_eq!(
        h.user_known_hosts_files.unwrap().value,
        vec![PathBuf::from("/home/me/k_x"), PathBuf::from("/home/me/k2")]
    );
    assert_eq!(
        res("UserKnownHostsFile none\n", "x")
            .user_known_hosts_files
            .unwrap()
            .value,
        Vec::<PathBuf>::new()
    );
    assert!(err("UserKnownHostsFile none /a\n", "x").contains("must appear alone"));
}

#[test]
fn values() {
    let h = res(
        "StrictHostKeyChecking accept-new\nConnectTimeout 1m30s\nServerAliveInterval none\nServerAliveInterval 5\nIdentitiesOnly TRUE\nKexAlgorithms +diffie-hellman-group14-sha1\n",
        "x",
    );
    assert_eq!(
        h.strict_host_key_checking.unwrap().value,
        StrictHostKeyChecking::AcceptNew
    );
    assert_eq!(h.connect_timeout.unwrap().value, Duration::from_secs(90));
    assert_eq!(
        h.server_alive_interval.unwrap().value,
        Duration::from_secs(5)
    );
    assert!(h.identities_only.unwrap().value);
    assert_eq!(
        h.kex_algorithms.unwrap().value.as_written(),
        "+diffie-hellman-group14-sha1"
    );
    assert_eq!(
        res("StrictHostKeyChecking off\n", "x")
            .strict_host_key_checking
            .unwrap()
            .value,
        StrictHostKeyChecking::No
    );
}

#[test]
fn match_criteria() {
    let t = "Match host real.example\n User a\nMatch originalhost ali*\n User b\n";
    assert_eq!(
        res(&format!("HostName real.example\n{t}"), "alias")
            .user
            .unwrap()
            .value,
        "a"
    );
    assert_eq!(res(t, "alias").user.unwrap().value, "b");
    assert_eq!(res("Match user me\n Port 3\n", "x").port.unwrap().value, 3);
    assert_eq!(
        res("User bob\nMatch user bob localuser me\n Port 3\n", "x")
            .port
            .unwrap()
            .value,
        3
    );
    assert!(res("Match !localuser me\n Port 3\n", "x").port.is_none());
    assert_eq!(
        res("Match exec true\n Port 3\n", "x").port.unwrap().value,
        3
    );
    assert!(res("Match exec false\n Port 3\n", "x").port.is_none());
    assert_eq!(
        res("Match exec \"test %h = x\"\n Port 3\n", "x")
            .port
            .unwrap()
            .value,
        3
    );
    assert_eq!(res("Match all\n Port 3\n", "x").port.unwrap().value, 3);
    assert!(res("Match canonical\n Port 3\n", "x").port.is_none());
}

#[test]
fn match_final_second_pass() {
    // The final pass sees the final host name in Host lines, and keeps first values.
    let t = "Host alias\n HostName Real.example\nMatch final host real.example\n User fin\nHost real.example\n Port 7\n";
    let h = res(t, "alias");
    assert_eq!(h.user.unwrap().value, "fin");
    assert_eq!(h.port.unwrap().value, 7);
    assert_eq!(h.host_name.unwrap().value, "real.example");
}

#[test]
fn errors_say_what_where_and_what_to_do() {
    let e = err("Host x\n  Bogus 1\n", "y");
    assert!(
        e.contains("~/.ssh/config:2")
            && e.contains("Bad configuration option: bogus")
            && e.contains("IgnoreUnknown"),
        "{e}"
    );
    let e = err("Match foo bar\n", "y");
    assert!(
        e.contains(":1") && e.contains("unsupported Match attribute foo") && e.contains("use all"),
        "{e}"
    );
    let e = err("Port\n", "y");
    assert!(e.contains(":1") && e.contains("no argument"), "{e}");
    let e = err("Port 99999\n", "y");
    assert!(e.contains("Bad port") && e.contains("1 to 65535"), "{e}");
    let e = err("User \"a\n", "y");
    assert!(e.contains("quote"), "{e}");
    let e = err("User a b\n", "y");
    assert!(e.contains("extra arguments"), "{e}");
    let e = err("Match all host x\n", "y");
    assert!(e.contains("cannot be combined"), "{e}");
    let e = err("Match host\n", "y");
    assert!(e.contains("missing Match criteria"), "{e}");
    let e = err("ConnectTimeout 5x\n", "y");
    assert!(e.contains("invalid time value"), "{e}");
    // Bad values are errors even in blocks that do not apply, as in ssh.
    assert!(err("Host nomatch\n Port x\n", "y").contains("Bad port"));
}

#[test]
fn ignore_unknown() {
    let h = res(
        "IgnoreUnknown UseKeychain,Foo*\nUseKeychain yes\nFoobar 1\nPort 2\n",
        "x",
    );
    assert_eq!(h.port.unwrap().value, 2);
    assert!(err("UseKeychain yes\nIgnoreUnknown UseKeychain\n", "x").contains("usekeychain"));
}

#[test]
fn unsupported_listed_once_when_applied() {
    let h = res(
        "Host x\n LocalForward 1 h:2\n ForwardAgent yes\n LocalForward 3 h:4\nHost y\n BindAddress 1.2.3.4\n",
        "x",
    );
    let u: Vec<&str> = h.unsupported.iter().map(|u| u.value.as_str()).collect();
    assert_eq!(u, vec!["LocalForward"]);
    assert_eq!(h.unsupported[0].origin, "~/.ssh/config:2");
}

#[test]
fn overrides_come_first() {
    let c = cfg("Port 2\nUser file\n");
    let o = [
        Directive::new("Port", "9", "cli"),
        Directive::new("ProxyCommand", "nc %h %p", "cli"),
    ];
    let h = c.resolve("x", &o, &ctx()).unwrap();
    assert_eq!(
        h.port.clone().unwrap(),
        Sourced {
            value: 9,
            origin: "cli".into()
        }
    );
    assert_eq!(h.user.unwrap().value, "file");
    assert_eq!(h.proxy_command.unwrap().value, "nc x 9");
    let e = c
        .resolve("x", &[Directive::new("Host", "a", "cli")], &ctx())
        .unwrap_err();
    assert!(e.to_string().contains("cli"));
}

#[test]
fn includes_glob_nested_and_conditional() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("conf.d")).unwrap();
    std::fs::write(d.join("conf.d/b.conf"), "User from_b\n").unwrap();
    std::fs::write(
        d.join("conf.d/a.conf"),
        "Host other\n Port 5\nHost x\n Include ../inner\n",
    )
    .unwrap();
    std::fs::write(d.join("inner"), "IdentityFile /inner\n").unwrap();
    let c = ctx();
    let text = format!(
        "Host x\n Include {0}/conf.d/*.conf\n Port 3\nHost nomatch\n Include {0}/inner\n",
        d.display()
    );
    let cfg = SshConfig::parse(Path::new("/tmp/cfg"), &text, &c);
    // "../inner" is relative, so ssh reads it under ~/.ssh, which does not exist here: skipped.
    let h = cfg.unwrap().resolve("x", &[], &c).unwrap();
    assert_eq!(h.user.unwrap().value, "from_b");
    // After an Include the including block is active again.
    assert_eq!(h.port.unwrap().value, 3);
    assert!(h.identity_files.is_empty());
    // A self-including file hits the depth limit with a clear error.
    std::fs::write(d.join("loop"), format!("Include {}/loop\n", d.display())).unwrap();
    let e = SshConfig::load(&[d.join("loop")], false, &c)
        .unwrap_err()
        .to_string();
    assert!(e.contains("too many nested Includes"), "{e}");
}

#[test]
fn load_missing_files() {
    let c = ctx();
    let p = PathBuf::from("/nonexistent/herd/ssh_config");
    assert!(SshConfig::load(std::slice::from_ref(&p), true, &c).is_ok());
    let e = SshConfig::load(&[p], false, &c).unwrap_err().to_string();
    assert!(
        e.contains("/nonexistent/herd/ssh_config") && e.contains("--ssh-config none"),
        "{e}"
    );
    assert_eq!(
        SshConfig::none().resolve("x", &[], &c).unwrap(),
        HostConfig::default()
    );
}

#[test]
fn algorithm_lists() {
    let def = ["a", "b", "c"];
    let all = ["a", "b", "c", "d1", "d2", "e"];
    let ap = |t: &str| AlgorithmList::new(t).apply(&def, &all);
    assert_eq!(ap("+d*").unwrap(), vec!["a", "b", "c", "d1", "d2"]);
    assert_eq!(ap("-b,c").unwrap(), vec!["a"]);
    assert_eq!(ap("^e,a").unwrap(), vec!["e", "a", "b", "c"]);
    assert_eq!(ap("d*,a").unwrap(), vec!["d1", "d2", "a"]);
    assert_eq!(ap("").unwrap(), vec!["a", "b", "c"]);
    assert!(ap("zz").is_err());
    assert!(ap("-*").is_err());
    assert!(ap("!a").is_err());
}

mod no_panic {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]
        #[test]
        fn any_text(text in "(?s)[ \t\n=\"'#\\\\%!*?,a-zA-Z0-9~/:@\\[\\]^+-]{0,200}") {
            let c = ctx();
            if let Ok(cfg) = SshConfig::parse(Path::new("/x"), &text, &c) {
                let _ = cfg.resolve("h", &[], &c);
            }
            let _ = parse_ssh_args(&text, "o");
            let _ = parse_jump_list(&text);
        }

        #[test]
        fn keyword_lines(kw in prop::sample::select(vec!["Host", "Match", "HostName", "Port", "User", "ProxyJump", "ProxyCommand", "IdentityFile", "UserKnownHostsFile", "ConnectTimeout", "KexAlgorithms", "IgnoreUnknown"]), v in "[ a-z0-9%!*,:@\\[\\]\"=#.-]{0,30}") {
            let c = ctx();
            let text = format!("{kw} {v}\n");
            if let Ok(cfg) = SshConfig::parse(Path::new("/x"), &text, &c) {
                let _ = cfg.resolve("h", &[], &c);
            }
        }
    }
}

#[test]
fn relative_include_is_under_home_ssh_and_system_refuses_tilde() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".ssh")).unwrap();
    std::fs::write(dir.path().join(".ssh/extra"), "User from_extra\n").unwrap();
    let c = Context {
        home: dir.path().to_path_buf(),
        ..ctx()
    };
    let cfg = SshConfig::parse(Path::new("/any/config"), "Include extra\n", &c).unwrap();
    assert_eq!(
        cfg.resolve("x", &[], &c).unwrap().user.unwrap().value,
        "from_extra"
    );
    let cfg = SshConfig::parse(Path::new("/any/config"), "Include ~/.ssh/ex*\n", &c).unwrap();
    assert_eq!(
        cfg.resolve("x", &[], &c).unwrap().user.unwrap().value,
        "from_extra"
    );
    let e = SshConfig::parse(
        Path::new("/etc/ssh/ssh_config"),
        "Include ~/.ssh/extra\n",
        &c,
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("/etc/ssh/ssh_config:1") && e.contains("absolute path"),
        "{e}"
    );
}
