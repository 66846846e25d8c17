//! Authentication, in a fixed order, trying only what the server offers:
//!
//! 1. the host's password (else the one typed for `--ask-pass`): "password", or
//!    "keyboard-interactive" answering every hidden prompt with it;
//! 2. the host's private key file (ed25519, ecdsa, rsa), with its passphrase;
//! 3. the ssh config's `IdentityFile`s that exist and need no passphrase;
//! 4. the ssh-agent at `SSH_AUTH_SOCK`, each of its keys;
//! 5. `~/.ssh/id_ed25519`, `id_ecdsa`, `id_rsa` that exist and need no passphrase.
//!
//! With `IdentitiesOnly yes`, 4 and 5 are left out. Each key is offered with its
//! certificates first ([`certificate::for_key`]: `KEY-cert.pub`, matching
//! `CertificateFile`s), then bare. A configured key file that cannot be used
//! (unreadable, encrypted without a passphrase, wrong passphrase) stops with a message
//! naming the file; a key the server merely refuses moves on to the next method.
//!
//! Which methods the server takes is asked (the "none" request, one round trip) only
//! when the answer matters: with no password to try, the first key file that can be
//! offered (unless the agent comes first) goes out straight away, as a server that
//! takes it never needs asking; only if it is refused does herd ask, and go on with
//! the rest.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use ssh2::{ErrorCode, KeyboardInteractivePrompt, Prompt, Session};

use super::HostSpec;
use super::certificate;
use super::connect::{Deadline, is_timeout};
use super::error::{ConnectError, connection_lost};
use super::home::home_dir;
use super::identities::{KeyFile, KeyFiles};
use super::key_file::{self, Protection};
use crate::secret::Secret;

const DEFAULT_KEYS: [&str; 3] = ["id_ed25519", "id_ecdsa", "id_rsa"];
const PHASE: &str = "authentication";

/// Authenticates `host.user`, or says why not.
pub(super) fn authenticate(
    session: &Session,
    host: &HostSpec,
    ask_pass: Option<&Secret>,
    key_files: &KeyFiles,
    deadline: &Deadline,
) -> Result<(), ConnectError> {
    deadline.arm(session, PHASE)?;
    let password = host.password.as_ref().or(ask_pass);
    let keys = KeySource::all_for(host);
    let mut attempt = Attempt {
        session,
        user: &host.user,
        key_files,
        deadline,
        offered: String::new(),
        tried: Vec::new(),
    };
    // With no password to try first, the first key file that can be offered goes out
    // before asking the server which methods it takes: that question ("none") costs a
    // round trip, and a server that takes the key never needs it asked.
    let mut keys_left = keys.as_slice();
    if password.is_none()
        && let Some(first) = attempt.first_file_to_offer(&keys)
    {
        if attempt.key(&keys[first], host)? {
            return Ok(());
        }
        keys_left = &keys[first + 1..];
    }
    attempt.offered = match session.auth_methods(&host.user) {
        Ok(methods) => methods.to_owned(),
        Err(_) if session.authenticated() => return Ok(()),
        Err(error) => return Err(deadline.failure(error, PHASE)),
    };

    if let Some(password) = password {
        if attempt.offers("password") {
            let done = attempt.run("password", || {
                session.userauth_password(&host.user, password.expose())
            })?;
            if done {
                return Ok(());
            }
        } else if attempt.offers("keyboard-interactive") {
            let mut answer = Answer(password);
            let done = attempt.run("keyboard-interactive", || {
                session.userauth_keyboard_interactive(&host.user, &mut answer)
            })?;
            if done {
                return Ok(());
            }
        }
    }
    if attempt.offers("publickey") {
        for key in keys_left {
            if attempt.key(key, host)? {
                return Ok(());
            }
        }
    }
    Err(attempt.failed())
}

/// Where a key to offer comes from, in the order they are tried (items 2 to 5 above).
#[derive(Debug)]
enum KeySource {
    /// The host's own key file: it must be usable.
    Configured(PathBuf),
    /// An `IdentityFile` or a default key: used if it exists and needs no passphrase.
    Optional(PathBuf),
    /// The ssh-agent at `SSH_AUTH_SOCK`.
    Agent,
}

impl KeySource {
    /// Every source for `host`, each file once.
    fn all_for(host: &HostSpec) -> Vec<KeySource> {
        let mut sources: Vec<KeySource> = host
            .key_file
            .iter()
            .cloned()
            .map(KeySource::Configured)
            .collect();
        let add_optional = |sources: &mut Vec<KeySource>, path: &Path| {
            let listed = sources.iter().any(|source| match source {
                KeySource::Configured(listed) | KeySource::Optional(listed) => listed == path,
                KeySource::Agent => false,
            });
            if !listed {
                sources.push(KeySource::Optional(path.to_path_buf()));
            }
        };
        for path in &host.identity_files {
            add_optional(&mut sources, path);
        }
        if host.identities_only {
            return sources;
        }
        if std::env::var_os("SSH_AUTH_SOCK").is_some_and(|socket| !socket.is_empty()) {
            sources.push(KeySource::Agent);
        }
        let ssh_dir = home_dir().join(".ssh");
        for name in DEFAULT_KEYS {
            add_optional(&mut sources, &ssh_dir.join(name));
        }
        sources
    }
}

/// The methods tried so far, and how to run one more.
struct Attempt<'a> {
    session: &'a Session,
    user: &'a str,
    key_files: &'a KeyFiles,
    deadline: &'a Deadline,
    /// The methods the server offers; empty until asked.
    offered: String,
    tried: Vec<&'static str>,
}

impl Attempt<'_> {
    /// The final refusal, listing what was tried.
    fn failed(&self) -> ConnectError {
        ConnectError::AuthenticationFailed {
            user: self.user.to_owned(),
            target: self.deadline.target.clone(),
            tried: self.tried.clone(),
            offered: self.offered.clone(),
        }
    }

    /// Where in `keys` the first key file is that would be offered, if no agent comes
    /// before it; the files before it are ones [`Attempt::optional_key`] passes over.
    fn first_file_to_offer(&self, keys: &[KeySource]) -> Option<usize> {
        for (index, key) in keys.iter().enumerate() {
            match key {
                KeySource::Configured(_) => return Some(index),
                KeySource::Optional(path) if self.usable_optional(path).is_some() => {
                    return Some(index);
                }
                KeySource::Optional(_) => {}
                KeySource::Agent => return None,
            }
        }
        None
    }

    /// An optional key file that exists and needs no passphrase.
    fn usable_optional(&self, path: &Path) -> Option<Arc<KeyFile>> {
        self.key_files
            .get(path)
            .ok()
            .filter(|key| key.protection != Protection::Encrypted)
    }

    /// Whether the server offers `method` (false until it was asked).
    fn offers(&self, method: &str) -> bool {
        self.offered.split(',').any(|listed| listed == method)
    }

    /// Offers the keys of one source; `Ok(true)` when one authenticated us.
    fn key(&mut self, source: &KeySource, host: &HostSpec) -> Result<bool, ConnectError> {
        let certificates = &host.certificate_files;
        match source {
            KeySource::Configured(path) => {
                self.key_file(path, host.key_passphrase.as_ref(), certificates)
            }
            KeySource::Optional(path) => self.optional_key(path, certificates),
            KeySource::Agent => self.agent(),
        }
    }

    /// Runs one method; `Ok(true)` when it authenticated us. A refusal is `Ok(false)`;
    /// a timeout or lost connection (the server hangs up after MaxAuthTries) ends
    /// authentication.
    fn run(
        &mut self,
        method: &'static str,
        call: impl FnOnce() -> Result<(), ssh2::Error>,
    ) -> Result<bool, ConnectError> {
        self.deadline.arm(self.session, PHASE)?;
        if !self.tried.contains(&method) {
            self.tried.push(method);
        }
        match call() {
            Ok(()) => Ok(self.session.authenticated()),
            Err(error) if is_timeout(&error) => Err(self.deadline.timed_out(PHASE)),
            Err(error) if connection_lost(&error) => Err(self.failed()),
            Err(_) => Ok(false),
        }
    }

    /// The host's configured key file, with its certificates first.
    fn key_file(
        &mut self,
        path: &Path,
        passphrase: Option<&Secret>,
        certificates: &[PathBuf],
    ) -> Result<bool, ConnectError> {
        let unusable = |problem: &str| ConnectError::KeyFile {
            path: path.to_path_buf(),
            problem: problem.to_owned(),
        };
        let key = self
            .key_files
            .get(path)
            .map_err(|error| unusable(&format!("cannot read it: {error}")))?;
        let protection = key.protection;
        if protection == Protection::Encrypted && passphrase.is_none() {
            return Err(unusable(
                "it is protected by a passphrase; give it with key_passphrase_env",
            ));
        }
        self.deadline.arm(self.session, PHASE)?;
        if !self.tried.contains(&"publickey") {
            self.tried.push("publickey");
        }
        for certificate in certificate::for_key(path, certificates) {
            let result = self.session.userauth_pubkey_file(
                self.user,
                Some(&certificate),
                path,
                passphrase.map(Secret::expose),
            );
            match result {
                Ok(()) if self.session.authenticated() => return Ok(true),
                Err(error) if is_timeout(&error) => return Err(self.deadline.timed_out(PHASE)),
                Err(error) if connection_lost(&error) => return Err(self.failed()),
                _ => self.deadline.arm(self.session, PHASE)?,
            }
        }
        match bare_key(self.session, self.user, path, &key, passphrase) {
            Ok(()) => Ok(self.session.authenticated()),
            Err(error) if is_timeout(&error) => Err(self.deadline.timed_out(PHASE)),
            Err(error) if error.code() == ErrorCode::Session(libssh2_sys::LIBSSH2_ERROR_FILE) => {
                Err(unusable(match protection {
                    Protection::Encrypted => "wrong passphrase",
                    Protection::Plain | Protection::Unknown => {
                        "not a private key libssh2 can load (ed25519, ecdsa or rsa, OpenSSH or PEM format)"
                    }
                }))
            }
            Err(error) if connection_lost(&error) => Err(self.failed()),
            Err(_) => Ok(false),
        }
    }

    /// Each key of the ssh-agent; an agent that cannot be reached is skipped.
    fn agent(&mut self) -> Result<bool, ConnectError> {
        let Ok(mut agent) = self.session.agent() else {
            return Ok(false);
        };
        if agent.connect().is_err() || agent.list_identities().is_err() {
            return Ok(false);
        }
        let identities = agent.identities().unwrap_or_default();
        let mut done = false;
        for identity in &identities {
            if self.run("agent", || agent.userauth(self.user, identity))? {
                done = true;
                break;
            }
        }
        let _ = agent.disconnect();
        Ok(done)
    }

    /// A key that is used if it exists and needs no passphrase (an ssh config
    /// `IdentityFile`, or a default key), with its certificates first.
    fn optional_key(
        &mut self,
        path: &Path,
        certificates: &[PathBuf],
    ) -> Result<bool, ConnectError> {
        let Some(key) = self.usable_optional(path) else {
            return Ok(false);
        };
        let session = self.session;
        let user = self.user;
        for certificate in certificate::for_key(path, certificates) {
            if self.run("publickey", || {
                session.userauth_pubkey_file(user, Some(&certificate), path, None)
            })? {
                return Ok(true);
            }
        }
        self.run("publickey", || bare_key(session, user, path, &key, None))
    }
}

/// Answers keyboard-interactive prompts: the password for hidden ones, nothing for
/// echoed ones.
struct Answer<'a>(&'a Secret);

impl KeyboardInteractivePrompt for Answer<'_> {
    fn prompt<'p>(
        &mut self,
        _user: &str,
        _instructions: &str,
        prompts: &[Prompt<'p>],
    ) -> Vec<String> {
        prompts
            .iter()
            .map(|prompt| {
                if prompt.echo {
                    String::new()
                } else {
                    self.0.expose().to_owned()
                }
            })
            .collect()
    }
}

/// Logs in with a key by itself: signed here when herd holds the key, else by libssh2
/// from the file (with `passphrase` when it has one).
fn bare_key(
    session: &Session,
    user: &str,
    path: &Path,
    key: &KeyFile,
    passphrase: Option<&Secret>,
) -> Result<(), ssh2::Error> {
    if let Some(signer) = &key.signer {
        return signer.authenticate(session, user);
    }
    // With a passphrase, libssh2 must open the private key first, or a wrong
    // passphrase would only show as a refused key instead of naming itself.
    let public = match key.protection {
        Protection::Encrypted => None,
        Protection::Plain | Protection::Unknown => key_file::public_half(path),
    };
    session.userauth_pubkey_file(
        user,
        public.as_deref(),
        path,
        passphrase.map(Secret::expose),
    )
}
