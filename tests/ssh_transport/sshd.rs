//! Throwaway OpenSSH servers and TCP listeners on 127.0.0.60-69, for what the lab does
//! not offer (a passphrase-protected key, many host names, a silent listener).

use std::fs;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use herd::secret::Secret;
use herd::ssh::HostSpec;

/// An sshd of our own, key auth only, for the current user; killed on drop.
pub struct TestSshd {
    child: Child,
    dir: tempfile::TempDir,
    user: String,
}

impl TestSshd {
    /// Starts sshd on each `address:port`, accepting a fresh client key protected by
    /// `passphrase` ("" for none).
    pub fn start(listen: &[(&str, u16)], passphrase: &str) -> TestSshd {
        let dir = tempfile::tempdir().expect("temp dir");
        keygen(&dir.path().join("host_key"), "");
        keygen(&dir.path().join("client_key"), passphrase);
        fs::copy(
            dir.path().join("client_key.pub"),
            dir.path().join("authorized_keys"),
        )
        .expect("authorized_keys");
        let user = output(Command::new("id").arg("-un"));
        let mut config = String::new();
        for (address, port) in listen {
            config.push_str(&format!("ListenAddress {address}:{port}\n"));
        }
        let d = dir.path().display();
        config.push_str(&format!(
            "HostKey {d}/host_key\nPidFile {d}/sshd.pid\nAuthorizedKeysFile {d}/authorized_keys\n\
             AllowUsers {user}\nAuthenticationMethods publickey\nPasswordAuthentication no\n\
             KbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\nUsePAM no\n\
             StrictModes no\nMaxStartups 1000:100:1000\nLogLevel ERROR\n\
             Subsystem sftp /usr/lib/openssh/sftp-server\n"
        ));
        let config_path = dir.path().join("sshd_config");
        fs::write(&config_path, config).expect("sshd_config");
        // sshd's privilege separation directory; only root can (and must) have it.
        let _ = fs::create_dir_all("/run/sshd");
        let log = fs::File::create(dir.path().join("sshd.log")).expect("log");
        let child = Command::new("/usr/sbin/sshd")
            .arg("-D")
            .arg("-e")
            .arg("-f")
            .arg(&config_path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start /usr/sbin/sshd");
        let mut sshd = TestSshd { child, dir, user };
        for (address, port) in listen {
            sshd.wait_for(address, *port);
        }
        sshd
    }

    fn wait_for(&mut self, address: &str, port: u16) {
        let started = Instant::now();
        let socket = format!("{address}:{port}").parse().expect("socket address");
        while TcpStream::connect_timeout(&socket, Duration::from_millis(200)).is_err() {
            if let Ok(Some(status)) = self.child.try_wait() {
                let log = fs::read_to_string(self.dir.path().join("sshd.log")).unwrap_or_default();
                panic!("test sshd exited ({status}): {log}");
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "test sshd does not answer on {socket}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The client key file.
    pub fn client_key(&self) -> PathBuf {
        self.dir.path().join("client_key")
    }

    /// A host spec for `address:port` with the client key and `passphrase`.
    pub fn host(&self, address: &str, port: u16, passphrase: Option<&str>) -> HostSpec {
        HostSpec {
            address: address.into(),
            port,
            user: self.user.clone(),
            password: None,
            key_file: Some(self.client_key()),
            key_passphrase: passphrase.map(Secret::new),
            ..Default::default()
        }
    }

    /// The server's public host key line (`ssh-ed25519 AAAA…`).
    pub fn host_key(&self) -> String {
        let text = fs::read_to_string(self.dir.path().join("host_key.pub")).expect("host key");
        text.split_whitespace()
            .take(2)
            .collect::<Vec<_>>()
            .join(" ")
    }
}

impl Drop for TestSshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn keygen(path: &Path, passphrase: &str) {
    let status = Command::new("ssh-keygen")
        .args([
            "-q",
            "-t",
            "ed25519",
            "-N",
            passphrase,
            "-C",
            "herd-test",
            "-f",
        ])
        .arg(path)
        .status()
        .expect("ssh-keygen");
    assert!(status.success(), "ssh-keygen failed");
}

fn output(command: &mut Command) -> String {
    let out = command.output().expect("run command");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}
