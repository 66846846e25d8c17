//! Host key checking against a known_hosts file, shared by all host threads of a run.
//!
//! Decisions follow OpenSSH: a host whose presented key is listed is known; a host with
//! a listed key of the *same type* but none equal has a CHANGED key, refused in every
//! mode but `off`; a host with no listed key of that type is new (strict refuses it,
//! accept-new appends it). A key listed under `@revoked` for the host is always refused.
//! [`connect`](super::connect) also asks the server for a key type already known for
//! the host first, as OpenSSH does, so a server with several keys is not seen as new.

mod entry;
mod store;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

use self::entry::{Entry, Marker, host_name, key_type_of};
use self::store::{Locked, Store};
use super::HostKeyChecking;

/// Why a host key was refused, or known_hosts could not be used. `Display` is the
/// user message; it names the file and, where one applies, the line to fix.
#[derive(Debug, thiserror::Error)]
pub enum HostKeyError {
    /// Strict checking and no key of this type is listed for the host.
    #[error(
        "host key for {} not in {}; add it with ssh-keyscan or use --host-key-checking accept-new",
        .owner.shown(true), .file.display()
    )]
    Unknown {
        /// Whose key.
        owner: KeyOwner,
        /// The known_hosts file.
        file: PathBuf,
    },
    /// A key of the same type is listed for the host, but not this one.
    #[error(
        "host key for {} has CHANGED (known_hosts line {line} in {}); if the change is expected remove that line: ssh-keygen -R {} -f {}",
        .owner.shown(false), .file.display(), quote(&.owner.listed_name()), quote(&.file.to_string_lossy())
    )]
    Changed {
        /// Whose key.
        owner: KeyOwner,
        /// The first line listing another key of that type for the host.
        line: usize,
        /// The known_hosts file.
        file: PathBuf,
    },
    /// The key is listed under `@revoked` for the host.
    #[error(
        "host key for {} is REVOKED (known_hosts line {line} in {}); refusing to connect",
        .owner.shown(false), .file.display()
    )]
    Revoked {
        /// Whose key.
        owner: KeyOwner,
        /// The `@revoked` line.
        line: usize,
        /// The known_hosts file.
        file: PathBuf,
    },
    /// Strict checking, no key listed for the host, and a `@cert-authority` line that
    /// would vouch for it through a host certificate, which herd cannot check.
    #[error(
        "host key for {} not in {}, which trusts a host certificate authority for it (line {line}), but herd cannot check host certificates (libssh2 does not negotiate them); add the host's own key: ssh-keyscan {} >> {}",
        .owner.shown(true), .file.display(), .owner.scan_target(), quote(&.file.to_string_lossy())
    )]
    OnlyCertified {
        /// Whose key.
        owner: KeyOwner,
        /// The `@cert-authority` line.
        line: usize,
        /// The known_hosts file.
        file: PathBuf,
    },
    /// The file could not be read, created or appended to.
    #[error("cannot {action} known_hosts file {}: {reason}", .file.display())]
    File {
        /// "read" or "update".
        action: &'static str,
        /// The known_hosts file.
        file: PathBuf,
        /// The system's message.
        reason: String,
    },
}

/// Whose host key is checked: the address and port connected to, and the host's
/// `HostKeyAlias`, the name known_hosts lists its key under instead, if it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyOwner {
    /// The address connected to.
    pub address: String,
    /// The port.
    pub port: u16,
    /// The `HostKeyAlias`.
    pub alias: Option<String>,
}

impl KeyOwner {
    /// The name known_hosts lists the key under: the alias, else `ADDR` (port 22) or
    /// `[ADDR]:PORT`, as ssh writes it.
    pub(super) fn listed_name(&self) -> String {
        match &self.alias {
            Some(alias) => alias.clone(),
            None => host_name(&self.address, self.port),
        }
    }

    /// The `ssh-keyscan` arguments that fetch the host's key, quoted for a shell.
    fn scan_target(&self) -> String {
        let address = quote(&self.address);
        if self.port == 22 {
            address
        } else {
            format!("-p {} {address}", self.port)
        }
    }

    /// How messages name the host: `ADDR:PORT` (`[ADDR]:PORT` if `bracketed`), and its
    /// alias if it has one.
    fn shown(&self, bracketed: bool) -> String {
        let (address, port) = (&self.address, self.port);
        let place = if bracketed {
            format!("[{address}]:{port}")
        } else {
            format!("{address}:{port}")
        };
        match &self.alias {
            Some(alias) => format!("{alias} (HostKeyAlias of {place})"),
            None => place,
        }
    }
}

/// The known_hosts file of a run: read once, shared (it is `Sync`) by every host
/// thread, appended to under a lock in accept-new mode.
#[derive(Debug)]
pub struct KnownHosts {
    path: PathBuf,
    mode: HostKeyChecking,
    store: Mutex<Store>,
    /// Keys this run appended (accept-new).
    added: AtomicUsize,
}

impl KnownHosts {
    /// Reads `path` (a missing file is empty; it is created on the first accepted key).
    /// In `Off` mode nothing is read. Each connect then checks as its own
    /// [`ConnectOptions::host_key_checking`](super::ConnectOptions) says; a file opened
    /// with `Off` knows no host, so strict connects against it refuse every host.
    pub fn open(path: PathBuf, mode: HostKeyChecking) -> Result<KnownHosts, HostKeyError> {
        let store = match mode {
            HostKeyChecking::Off => Store::empty(),
            HostKeyChecking::Strict | HostKeyChecking::AcceptNew => {
                Store::load(&path).map_err(|error| HostKeyError::File {
                    action: "read",
                    file: path.clone(),
                    reason: error.to_string(),
                })?
            }
        };
        Ok(KnownHosts {
            path,
            mode,
            store: Mutex::new(store),
            added: AtomicUsize::new(0),
        })
    }

    /// `~/.ssh/known_hosts` of the current user.
    pub fn default_path() -> PathBuf {
        super::home::home_dir().join(".ssh").join("known_hosts")
    }

    /// The file this checks against.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The checking mode.
    pub fn mode(&self) -> HostKeyChecking {
        self.mode
    }

    /// How many host keys this run has appended to the file (accept-new).
    pub fn added_count(&self) -> usize {
        self.added.load(Ordering::Relaxed)
    }

    /// Key types listed under `name` (plain lines), most recent first, so the
    /// handshake can ask for one of them first.
    fn known_key_types(&self, name: &str) -> Vec<String> {
        if self.mode == HostKeyChecking::Off {
            return Vec::new();
        }
        let mut types: Vec<String> = Vec::new();
        for entry in self.lock().entries.iter().rev() {
            if entry.marker == Marker::Plain
                && !types.contains(&entry.key_type)
                && entry.matches(name)
            {
                types.push(entry.key_type.clone());
            }
        }
        types
    }

    /// Checks the key the server presented (its blob) against this file alone, as `mode`
    /// says (the connect's option), appending it in accept-new mode when the host is new.
    #[cfg(test)]
    fn check(
        &self,
        address: &str,
        port: u16,
        key: &[u8],
        mode: HostKeyChecking,
    ) -> Result<(), HostKeyError> {
        let owner = KeyOwner {
            address: address.to_owned(),
            port,
            alias: None,
        };
        HostKeyFiles {
            user: vec![self],
            global: Vec::new(),
        }
        .check(&owner, key, mode)
    }

    /// Adds the key of a host no file knows (accept-new), unless, once this file is
    /// locked, it turns out another process or thread listed a key for it meanwhile;
    /// refuses it in strict mode.
    fn add_new(
        &self,
        owner: &KeyOwner,
        key: &[u8],
        mode: HostKeyChecking,
    ) -> Result<(), HostKeyError> {
        if mode != HostKeyChecking::AcceptNew {
            return Err(self.refusal(Verdict::Unknown, owner));
        }
        let name = owner.listed_name();
        let mut store = self.lock();
        let update_error = |error: std::io::Error| HostKeyError::File {
            action: "update",
            file: self.path.clone(),
            reason: error.to_string(),
        };
        let mut locked = Locked::open(&self.path, &mut store).map_err(update_error)?;
        match judge(&store.entries, &name, key) {
            Verdict::Unknown => {
                locked
                    .append(&mut store, &name, key)
                    .map_err(update_error)?;
                self.added.fetch_add(1, Ordering::Relaxed);
                Ok(())
            }
            Verdict::Known => Ok(()),
            verdict => Err(self.refusal(verdict, owner)),
        }
    }

    fn refusal(&self, verdict: Verdict, owner: &KeyOwner) -> HostKeyError {
        let (owner, file) = (owner.clone(), self.path.clone());
        match verdict {
            Verdict::Changed(line) => HostKeyError::Changed { owner, line, file },
            Verdict::Revoked(line) => HostKeyError::Revoked { owner, line, file },
            Verdict::Known | Verdict::Unknown => HostKeyError::Unknown { owner, file },
        }
    }

    /// The first `@cert-authority` line for `name`.
    fn cert_authority_line(&self, name: &str) -> Option<usize> {
        self.lock()
            .entries
            .iter()
            .find(|entry| entry.marker == Marker::CertAuthority && entry.matches(name))
            .map(|entry| entry.line)
    }

    fn lock(&self) -> MutexGuard<'_, Store> {
        // A panic elsewhere while holding the lock leaves a consistent store: every
        // mutation is a push or a counter update done after the write succeeded.
        self.store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The known_hosts files one host's key is checked against, read as one file, as ssh
/// reads a host's `UserKnownHostsFile`s and `GlobalKnownHostsFile`s: a key listed in any
/// file is known, unless some file lists it as `@revoked`; another key of its type in any
/// file, with this one listed in none, is a CHANGED key; a new key is added to the first
/// user file (with `UserKnownHostsFile none`, accept-new goes on without recording it, as
/// ssh does).
pub(super) struct HostKeyFiles<'a> {
    /// The user's files, the first one written to.
    pub(super) user: Vec<&'a KnownHosts>,
    /// The global files, only read.
    pub(super) global: Vec<&'a KnownHosts>,
}

impl HostKeyFiles<'_> {
    fn all(&self) -> impl Iterator<Item = &KnownHosts> {
        self.user.iter().chain(&self.global).copied()
    }

    /// Key types listed for the host in any file, in the order of the files, each
    /// file's most recent first ([`KnownHosts::known_key_types`]).
    pub(super) fn known_key_types(&self, owner: &KeyOwner) -> Vec<String> {
        let name = owner.listed_name();
        let mut types: Vec<String> = Vec::new();
        for file in self.all() {
            for key_type in file.known_key_types(&name) {
                if !types.contains(&key_type) {
                    types.push(key_type);
                }
            }
        }
        types
    }

    /// Checks the key the server presented (its blob) as `mode` says, appending it to
    /// the first user file in accept-new mode when no file knows the host.
    pub(super) fn check(
        &self,
        owner: &KeyOwner,
        key: &[u8],
        mode: HostKeyChecking,
    ) -> Result<(), HostKeyError> {
        if mode == HostKeyChecking::Off {
            return Ok(());
        }
        let name = owner.listed_name();
        let (mut known, mut changed) = (false, None);
        for file in self.all() {
            match judge(&file.lock().entries, &name, key) {
                Verdict::Revoked(line) => {
                    return Err(file.refusal(Verdict::Revoked(line), owner));
                }
                Verdict::Known => known = true,
                Verdict::Changed(line) => {
                    changed.get_or_insert((file, line));
                }
                Verdict::Unknown => {}
            }
        }
        if known {
            return Ok(());
        }
        if let Some((file, line)) = changed {
            return Err(file.refusal(Verdict::Changed(line), owner));
        }
        if mode == HostKeyChecking::Strict {
            let vouched = self
                .all()
                .find_map(|file| Some((file, file.cert_authority_line(&name)?)));
            if let Some((file, line)) = vouched {
                return Err(HostKeyError::OnlyCertified {
                    owner: owner.clone(),
                    line,
                    file: file.path.clone(),
                });
            }
        }
        match self.user.first() {
            Some(first) => first.add_new(owner, key, mode),
            None if mode == HostKeyChecking::AcceptNew => Ok(()),
            None => Err(HostKeyError::Unknown {
                owner: owner.clone(),
                file: PathBuf::from("none (UserKnownHostsFile none)"),
            }),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Known,
    Unknown,
    /// The first line with another key of the same type.
    Changed(usize),
    /// The `@revoked` line.
    Revoked(usize),
}

fn judge(entries: &[Entry], name: &str, key: &[u8]) -> Verdict {
    let key_type = key_type_of(key);
    let mut known = false;
    let mut changed = None;
    for entry in entries.iter().filter(|entry| entry.matches(name)) {
        match entry.marker {
            Marker::Revoked if entry.key == key => return Verdict::Revoked(entry.line),
            Marker::Revoked => {}
            Marker::Plain if entry.key == key => known = true,
            Marker::Plain => {
                if changed.is_none() && key_type == Some(entry.key_type.as_str()) {
                    changed = Some(entry.line);
                }
            }
            Marker::CertAuthority => {}
        }
    }
    match (known, changed) {
        (true, _) => Verdict::Known,
        (false, Some(line)) => Verdict::Changed(line),
        (false, None) => Verdict::Unknown,
    }
}

/// Quotes for a POSIX shell only when needed, so the printed command can be pasted.
fn quote(text: &str) -> String {
    crate::shell::quote(text).unwrap_or_else(|| text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;

    const KEY_A: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIKb4NpKOLh3ezV0NtjzBg1AbHhu3m+6elwXl4M8HVK3z";
    const KEY_B: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIIhVg2uhbHuuxzOtgQS1VoNuMdSb+7Va5/gXdBc8RFFK";
    const KEY_RSA: &str = "AAAAB3NzaC1yc2EAAAADAQABAAAAgQC7";

    fn blob(text: &str) -> Vec<u8> {
        STANDARD.decode(text).expect("base64")
    }

    fn known_hosts(text: &str, mode: HostKeyChecking) -> (tempfile::TempDir, KnownHosts) {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("known_hosts");
        std::fs::write(&path, text).expect("write");
        let hosts = KnownHosts::open(path, mode).expect("open");
        (dir, hosts)
    }

    #[test]
    fn several_files_are_read_as_one_and_a_new_key_goes_to_the_first_user_file() {
        let (_a, first) = known_hosts("", HostKeyChecking::AcceptNew);
        let (_b, changed) = known_hosts(
            &format!("127.0.0.11 ssh-ed25519 {KEY_B}\n"),
            HostKeyChecking::AcceptNew,
        );
        let (_c, listed) = known_hosts(
            &format!("127.0.0.11 ssh-ed25519 {KEY_A}\n"),
            HostKeyChecking::AcceptNew,
        );
        let (_d, revoked) = known_hosts(
            &format!("@revoked 127.0.0.11 ssh-ed25519 {KEY_A}\n"),
            HostKeyChecking::AcceptNew,
        );
        fn files<'a>(user: Vec<&'a KnownHosts>, global: Vec<&'a KnownHosts>) -> HostKeyFiles<'a> {
            HostKeyFiles { user, global }
        }
        let key = blob(KEY_A);
        let owner = KeyOwner {
            address: "127.0.0.11".into(),
            port: 22,
            alias: None,
        };
        let check = |files: HostKeyFiles, mode| files.check(&owner, &key, mode);
        // Known in a later file: known, whatever another file says.
        assert!(
            check(
                files(vec![&changed, &listed], vec![]),
                HostKeyChecking::Strict
            )
            .is_ok()
        );
        assert!(check(files(vec![&first], vec![&listed]), HostKeyChecking::Strict).is_ok());
        // Revoked anywhere: refused, even where another file lists it.
        assert!(matches!(
            check(
                files(vec![&listed], vec![&revoked]),
                HostKeyChecking::AcceptNew
            ),
            Err(HostKeyError::Revoked { .. })
        ));
        // Another key only: CHANGED, naming that file, in accept-new too.
        match check(
            files(vec![&first], vec![&changed]),
            HostKeyChecking::AcceptNew,
        ) {
            Err(HostKeyError::Changed { file, line: 1, .. }) => assert_eq!(file, changed.path()),
            other => panic!("expected CHANGED, got {other:?}"),
        }
        // Nowhere: strict refuses naming the first user file; accept-new appends there.
        assert!(matches!(
            check(files(vec![&first], vec![]), HostKeyChecking::Strict),
            Err(HostKeyError::Unknown { file, .. }) if file == first.path()
        ));
        assert!(check(files(vec![&first], vec![]), HostKeyChecking::AcceptNew).is_ok());
        assert_eq!(first.added_count(), 1);
        assert!(
            std::fs::read_to_string(first.path())
                .unwrap()
                .contains(KEY_A)
        );
        // `UserKnownHostsFile none`: accept-new goes on without recording; strict refuses.
        assert!(check(files(vec![], vec![]), HostKeyChecking::AcceptNew).is_ok());
        assert!(check(files(vec![], vec![]), HostKeyChecking::Strict).is_err());
        assert_eq!(
            files(vec![&changed], vec![&listed]).known_key_types(&owner),
            ["ssh-ed25519"]
        );
    }

    #[test]
    fn a_host_only_a_cert_authority_line_vouches_for_is_refused_saying_why() {
        let text = format!("# CA\n@cert-authority 127.0.0.* ssh-ed25519 {KEY_B}\n");
        let (_dir, hosts) = known_hosts(&text, HostKeyChecking::Strict);
        let error = hosts
            .check("127.0.0.11", 22, &blob(KEY_A), HostKeyChecking::Strict)
            .unwrap_err();
        let file = hosts.path().display();
        assert_eq!(
            error.to_string(),
            format!(
                "host key for [127.0.0.11]:22 not in {file}, which trusts a host certificate \
                 authority for it (line 2), but herd cannot check host certificates (libssh2 \
                 does not negotiate them); add the host's own key: ssh-keyscan 127.0.0.11 >> \
                 {file}"
            )
        );
        // The CA's own key is no host key, and accept-new records the host's.
        assert!(hosts.known_key_types("127.0.0.11").is_empty());
        assert!(
            hosts
                .check("127.0.0.11", 22, &blob(KEY_A), HostKeyChecking::AcceptNew)
                .is_ok()
        );
        assert_eq!(hosts.added_count(), 1);
    }

    #[test]
    fn known_changed_and_new_keys() {
        let text = format!(
            "# lab\n127.0.0.11 ssh-ed25519 {KEY_A}\n[127.0.0.12]:2222 ssh-ed25519 {KEY_A}\n127.0.0.13 ssh-rsa {KEY_RSA}\n"
        );
        let (_dir, hosts) = known_hosts(&text, HostKeyChecking::Strict);
        assert!(
            hosts
                .check("127.0.0.11", 22, &blob(KEY_A), hosts.mode())
                .is_ok()
        );
        let error = hosts
            .check("127.0.0.12", 2222, &blob(KEY_B), hosts.mode())
            .expect_err("changed");
        let file = hosts.path().display().to_string();
        assert_eq!(
            error.to_string(),
            format!(
                "host key for 127.0.0.12:2222 has CHANGED (known_hosts line 3 in {file}); if the change is expected remove that line: ssh-keygen -R '[127.0.0.12]:2222' -f {file}"
            )
        );
        // Only a key of another type is listed: new, like OpenSSH.
        let error = hosts
            .check("127.0.0.13", 22, &blob(KEY_A), hosts.mode())
            .expect_err("unknown");
        assert_eq!(
            error.to_string(),
            format!(
                "host key for [127.0.0.13]:22 not in {file}; add it with ssh-keyscan or use --host-key-checking accept-new"
            )
        );
        assert_eq!(hosts.known_key_types("127.0.0.13"), ["ssh-rsa"]);
        assert!(hosts.known_key_types("[127.0.0.13]:2222").is_empty());
    }

    #[test]
    fn a_matching_line_wins_over_a_stale_one() {
        let text = format!("h ssh-ed25519 {KEY_B}\nh ssh-ed25519 {KEY_A}\n");
        let (_dir, hosts) = known_hosts(&text, HostKeyChecking::Strict);
        assert!(hosts.check("h", 22, &blob(KEY_A), hosts.mode()).is_ok());
    }

    #[test]
    fn revoked_keys_are_refused_even_when_listed() {
        let text = format!("h ssh-ed25519 {KEY_A}\n@revoked * ssh-ed25519 {KEY_A}\n");
        let (_dir, hosts) = known_hosts(&text, HostKeyChecking::AcceptNew);
        let error = hosts
            .check("h", 22, &blob(KEY_A), hosts.mode())
            .expect_err("revoked");
        assert!(
            matches!(error, HostKeyError::Revoked { line: 2, .. }),
            "{error}"
        );
    }

    #[test]
    fn accept_new_appends_once_and_refuses_changes() {
        let (_dir, hosts) = known_hosts("", HostKeyChecking::AcceptNew);
        assert!(
            hosts
                .check("10.0.0.1", 22, &blob(KEY_A), hosts.mode())
                .is_ok()
        );
        assert!(
            hosts
                .check("10.0.0.1", 2200, &blob(KEY_A), hosts.mode())
                .is_ok()
        );
        assert!(
            hosts
                .check("10.0.0.1", 22, &blob(KEY_A), hosts.mode())
                .is_ok()
        );
        let error = hosts
            .check("10.0.0.1", 22, &blob(KEY_B), hosts.mode())
            .expect_err("changed");
        assert!(
            matches!(error, HostKeyError::Changed { line: 1, .. }),
            "{error}"
        );
        let text = std::fs::read_to_string(hosts.path()).expect("read");
        assert_eq!(
            text,
            format!("10.0.0.1 ssh-ed25519 {KEY_A}\n[10.0.0.1]:2200 ssh-ed25519 {KEY_A}\n")
        );
    }

    #[test]
    fn the_connect_mode_decides() {
        let (_dir, hosts) = known_hosts("", HostKeyChecking::AcceptNew);
        let error = hosts
            .check("h", 22, &blob(KEY_A), HostKeyChecking::Strict)
            .expect_err("strict refuses");
        assert!(matches!(error, HostKeyError::Unknown { .. }), "{error}");
        assert!(
            hosts
                .check("h", 22, &blob(KEY_A), HostKeyChecking::Off)
                .is_ok()
        );
        assert_eq!(std::fs::read_to_string(hosts.path()).expect("read"), "");
    }

    #[test]
    fn off_reads_and_checks_nothing() {
        let hosts = KnownHosts::open(PathBuf::from("/nonexistent/dir/kh"), HostKeyChecking::Off)
            .expect("off never reads");
        assert!(hosts.check("h", 22, &blob(KEY_B), hosts.mode()).is_ok());
        assert!(!hosts.path().exists());
    }

    #[test]
    fn unreadable_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let error = KnownHosts::open(dir.path().to_path_buf(), HostKeyChecking::Strict)
            .expect_err("a directory is not a file");
        assert!(
            error
                .to_string()
                .starts_with("cannot read known_hosts file "),
            "{error}"
        );
    }
}
