//! `herd scp` / `batch_scp` against the lab's real sshd servers.

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use common::{LAB_HOSTS, Lab, host_tmp, pseudo_random_bytes, unique};

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

#[test]
fn seed_batch_scp_put_then_get() {
    let lab = Lab::new();
    let name = format!("{}.py", unique("test"));
    fs::write(lab.work.path().join(&name), "print('hello from herd')\n").unwrap();
    fs::set_permissions(
        lab.work.path().join(&name),
        fs::Permissions::from_mode(0o750),
    )
    .unwrap();
    let put = lab
        .cmd("batch_scp")
        .args([
            "-h",
            "h1,h2,h3",
            "-g",
            "web_clusters,db_servers",
            "-action",
            "put",
            "-local",
            &name,
            "-remote",
            "/tmp/",
        ])
        .output()
        .unwrap();
    assert_eq!(
        put.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&put.stderr)
    );
    for (host, ..) in LAB_HOSTS {
        let landed = host_tmp(host).join(&name);
        assert_eq!(
            fs::read_to_string(&landed).unwrap(),
            "print('hello from herd')\n",
            "{host}"
        );
        assert_eq!(mode(&landed), 0o750, "{host}");
        let leftovers: Vec<_> = fs::read_dir(host_tmp(host))
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains(&name) && *n != name)
            .collect();
        assert!(
            leftovers.is_empty(),
            "temporary files left on {host}: {leftovers:?}"
        );
    }
    let get = lab
        .cmd("batch_scp")
        .args([
            "-g",
            "all",
            "-action",
            "get",
            "-remote",
            &format!("/tmp/{name}"),
            "-local",
            "fetched",
        ])
        .output()
        .unwrap();
    assert_eq!(
        get.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&get.stderr)
    );
    for (host, ..) in LAB_HOSTS {
        let fetched = lab.work.path().join("fetched").join(host).join(&name);
        assert_eq!(
            fs::read_to_string(&fetched).unwrap(),
            "print('hello from herd')\n",
            "{host}"
        );
    }
}

#[test]
fn a_large_file_and_a_directory_tree_round_trip_exactly() {
    let lab = Lab::new();
    let tree = lab.work.path().join("tree");
    fs::create_dir_all(tree.join("sub/deeper")).unwrap();
    let big = pseudo_random_bytes(50 * 1024 * 1024, 7);
    fs::write(tree.join("big.bin"), &big).unwrap();
    fs::write(tree.join("sub/small.txt"), "small\n").unwrap();
    fs::write(tree.join("sub/deeper/script.sh"), "#!/bin/sh\necho deep\n").unwrap();
    fs::write(tree.join("empty"), "").unwrap();
    fs::set_permissions(
        tree.join("sub/deeper/script.sh"),
        fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    fs::set_permissions(
        tree.join("sub/small.txt"),
        fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    let remote = format!("/tmp/{}/", unique("tree"));
    let put = lab
        .herd(&[
            "scp",
            "-h",
            "h1,h4",
            "--action",
            "put",
            "--local",
            tree.to_str().unwrap(),
            "--remote",
            &remote,
        ])
        .output()
        .unwrap();
    assert_eq!(
        put.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&put.stderr)
    );
    let get = lab
        .herd(&[
            "scp",
            "-h",
            "h1,h4",
            "--action",
            "get",
            "--remote",
            &format!("{remote}tree"),
            "--local",
            "back",
        ])
        .output()
        .unwrap();
    assert_eq!(
        get.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&get.stderr)
    );
    for host in ["h1", "h4"] {
        let back = lab.work.path().join("back").join(host).join("tree");
        assert!(
            fs::read(back.join("big.bin")).unwrap() == big,
            "{host}: big.bin differs"
        );
        assert_eq!(
            fs::read_to_string(back.join("sub/small.txt")).unwrap(),
            "small\n"
        );
        assert_eq!(
            fs::read_to_string(back.join("sub/deeper/script.sh")).unwrap(),
            "#!/bin/sh\necho deep\n"
        );
        assert_eq!(fs::read(back.join("empty")).unwrap(), b"");
        assert_eq!(mode(&back.join("sub/deeper/script.sh")), 0o755, "{host}");
        assert_eq!(mode(&back.join("sub/small.txt")), 0o600, "{host}");
    }
}

#[test]
fn put_replaces_an_existing_file_whole() {
    let lab = Lab::new();
    let name = unique("replace");
    let local = lab.work.path().join(&name);
    fs::write(&local, "old\n").unwrap();
    let run = |lab: &Lab| {
        lab.herd(&[
            "scp",
            "-h",
            "h2",
            "--action",
            "put",
            "--local",
            local.to_str().unwrap(),
            "--remote",
            "/tmp/",
        ])
        .output()
        .unwrap()
    };
    assert_eq!(run(&lab).status.code(), Some(0));
    fs::write(&local, "new content\n").unwrap();
    let second = run(&lab);
    assert_eq!(
        second.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );
    assert_eq!(
        fs::read_to_string(host_tmp("h2").join(&name)).unwrap(),
        "new content\n"
    );
}

#[test]
fn a_missing_local_file_is_an_error_before_connecting() {
    let lab = Lab::new();
    let out = lab
        .herd(&[
            "scp",
            "-g",
            "all",
            "--action",
            "put",
            "--local",
            "no-such-file",
            "--remote",
            "/tmp/",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no-such-file"), "{stderr}");
    assert!(
        !stderr.contains("hosts:"),
        "it should not have run: {stderr}"
    );
}

#[test]
fn a_failed_get_names_host_and_path_and_others_succeed() {
    let lab = Lab::new();
    let name = unique("only-on-h3");
    fs::write(host_tmp("h3").join(&name), "here\n").unwrap();
    let out = lab
        .herd(&[
            "scp",
            "-h",
            "h1,h3",
            "--action",
            "get",
            "--remote",
            &format!("/tmp/{name}"),
            "--local",
            "got",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        fs::read_to_string(lab.work.path().join("got/h3").join(&name)).unwrap(),
        "here\n"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("h1") && stderr.contains(&name), "{stderr}");
}
