//! The two ways a host can go wrong: unreachable ([`ConnectError`]) or failed
//! ([`OperationError`]). Their `Display` is the message the user reads; no variant
//! ever holds a password, passphrase or key.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use ssh2::ErrorCode;

use super::known_hosts::HostKeyError;

/// Why [`connect`](super::connect) could not give a usable session: the host is
/// *unreachable*. `Display` is the whole user message and names the host.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The address did not resolve.
    #[error("cannot resolve {address}: {reason}")]
    Resolve {
        /// The address as given.
        address: String,
        /// What the resolver said.
        reason: String,
    },
    /// Nothing listens on that port.
    #[error("connection refused ({target})")]
    Refused {
        /// `ADDR:PORT`.
        target: String,
    },
    /// The TCP connect, the SSH handshake or authentication took longer than the
    /// connect timeout.
    #[error("connection to {target} timed out after {} ({phase})", Seconds(*.after))]
    TimedOut {
        /// `ADDR:PORT`.
        target: String,
        /// The connect timeout.
        after: Duration,
        /// What was going on: "TCP connect", "SSH handshake" or "authentication".
        phase: &'static str,
    },
    /// The run was cancelled (Ctrl-C) while connecting: nothing ran on the host.
    #[error("cancelled while connecting to {target}")]
    Cancelled {
        /// `ADDR:PORT`.
        target: String,
    },
    /// Any other network failure (no route, reset, …).
    #[error("cannot connect to {target}: {reason}")]
    Network {
        /// `ADDR:PORT`.
        target: String,
        /// The system's message.
        reason: String,
    },
    /// A jump host on the way could not be reached or lost its connection; every host
    /// behind it gets this.
    #[error("{jump}: {reason}")]
    Jump {
        /// `jump host USER@ADDR:PORT`.
        jump: String,
        /// Why.
        reason: String,
    },
    /// The SSH handshake failed (not SSH, no common algorithm, connection closed, …).
    #[error("SSH handshake with {target} failed: {reason}")]
    Handshake {
        /// `ADDR:PORT`.
        target: String,
        /// libssh2's message.
        reason: String,
    },
    /// The server and herd have no algorithm of one kind in common; the reason names both
    /// offers and the opt-in that would work.
    #[error("cannot negotiate with {target}: {reason}")]
    Negotiation {
        /// `ADDR:PORT`.
        target: String,
        /// What did not match, and what to do.
        reason: String,
    },
    /// The host key is unknown (strict), changed or revoked, or known_hosts could not
    /// be updated.
    #[error(transparent)]
    HostKey(#[from] HostKeyError),
    /// No offered authentication method succeeded.
    #[error("authentication failed for {user}@{target} ({})", Tried(.tried, .offered))]
    AuthenticationFailed {
        /// The remote user.
        user: String,
        /// `ADDR:PORT`.
        target: String,
        /// The methods tried, in order ("password", "publickey", "agent", …).
        tried: Vec<&'static str>,
        /// The methods the server offered.
        offered: String,
    },
    /// The configured private key file cannot be used (unreadable, encrypted without
    /// a passphrase, wrong passphrase, unsupported format).
    #[error("cannot use key file {}: {problem}", .path.display())]
    KeyFile {
        /// The key file.
        path: PathBuf,
        /// What is wrong with it.
        problem: String,
    },
}

/// Why an operation on a connected host failed: the host *failed*. `Display` is the
/// user message.
#[derive(Debug, thiserror::Error)]
pub enum OperationError {
    /// The command ran longer than its timeout; its process group was ended.
    #[error("timed out after {}", Seconds(*.0))]
    TimedOut(Duration),
    /// The run was cancelled; the remote process group was ended.
    #[error("cancelled")]
    Cancelled,
    /// The SSH session broke or refused a request (channel, SFTP subsystem, …).
    #[error("{target}: {action}: {reason}")]
    Session {
        /// `user@ADDR:PORT`.
        target: String,
        /// What we were doing ("opening a channel", "starting SFTP", …).
        action: &'static str,
        /// libssh2's or the server's message.
        reason: String,
    },
    /// A remote path could not be read, written, created or renamed.
    #[error("{location}: {reason}")]
    Remote {
        /// `user@ADDR:PORT:PATH`.
        location: String,
        /// What went wrong ("no such file or directory", …).
        reason: String,
    },
    /// A local path could not be read, written, created or renamed.
    #[error("local {}: {reason}", .path.display())]
    Local {
        /// The local path.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// A remote directory listed a name that is not a single safe path segment
    /// (contains '/', NUL or a control character, or is empty); nothing is written
    /// for it and the copy stops.
    #[error("{location}: refusing to copy unsafe remote file name {name:?}")]
    UnsafeName {
        /// `user@ADDR:PORT:DIR` where the name was listed.
        location: String,
        /// The name, lossily decoded (Debug-quoted when shown).
        name: String,
    },
}

/// Shows a duration as whole seconds when it is whole, else with milliseconds.
struct Seconds(Duration);

impl fmt::Display for Seconds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.subsec_millis() == 0 {
            write!(f, "{}s", self.0.as_secs())
        } else {
            write!(f, "{:.3}s", self.0.as_secs_f64())
        }
    }
}

/// Shows what authentication tried, and what the server offers when that holds a
/// method herd did not try: "tried: password, publickey", "tried: publickey; server
/// offers: password", "tried: nothing; server offers: publickey".
struct Tried<'a>(&'a [&'static str], &'a str);

impl fmt::Display for Tried<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The agent's keys go out as "publickey" requests.
        let was_tried = |offered: &str| {
            self.0
                .iter()
                .any(|tried| *tried == offered || (*tried == "agent" && offered == "publickey"))
        };
        if self.0.is_empty() {
            f.write_str("tried: nothing")?;
        } else {
            write!(f, "tried: {}", self.0.join(", "))?;
        }
        if self
            .1
            .split(',')
            .any(|offered| !offered.is_empty() && !was_tried(offered))
        {
            write!(f, "; server offers: {}", self.1)?;
        }
        Ok(())
    }
}

/// Whether a libssh2 call failed because the connection is gone (reset, or no answer
/// until TCP gave up on the host).
pub(super) fn connection_lost(error: &ssh2::Error) -> bool {
    matches!(
        error.code(),
        ErrorCode::Session(
            libssh2_sys::LIBSSH2_ERROR_SOCKET_DISCONNECT
                | libssh2_sys::LIBSSH2_ERROR_SOCKET_RECV
                | libssh2_sys::LIBSSH2_ERROR_SOCKET_SEND
        )
    )
}

/// libssh2's message for `error`, saying so plainly when it means the connection is gone
/// (libssh2 alone says "transport read").
pub(super) fn reason(error: &ssh2::Error) -> String {
    if connection_lost(error) {
        format!("connection lost ({})", error.message())
    } else {
        error.message().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_show_seconds() {
        assert_eq!(
            OperationError::TimedOut(Duration::from_secs(5)).to_string(),
            "timed out after 5s"
        );
        assert_eq!(
            OperationError::TimedOut(Duration::from_millis(1500)).to_string(),
            "timed out after 1.500s"
        );
    }

    #[test]
    fn authentication_failure_has_the_documented_shape() {
        // (tried, offered, what follows "authentication failed for bob@127.0.0.12:22 ")
        let cases: [(&[&'static str], &str, &str); 4] = [
            (
                &["password", "publickey"],
                "publickey,password",
                "(tried: password, publickey)",
            ),
            (
                &[],
                "publickey",
                "(tried: nothing; server offers: publickey)",
            ),
            // A key offered before the methods were known, to a server that wants a password.
            (
                &["publickey"],
                "password",
                "(tried: publickey; server offers: password)",
            ),
            // The agent's keys count as publickey.
            (&["agent"], "publickey", "(tried: agent)"),
        ];
        for (tried, offered, shown) in cases {
            let error = ConnectError::AuthenticationFailed {
                user: "bob".into(),
                target: "127.0.0.12:22".into(),
                tried: tried.to_vec(),
                offered: offered.into(),
            };
            assert_eq!(
                error.to_string(),
                format!("authentication failed for bob@127.0.0.12:22 {shown}")
            );
        }
    }
}
