//! When the handshake finds no algorithm in common, libssh2 says only "Unable to exchange
//! encryption keys". Like `ssh`, herd then names both sides' offers and what to change:
//! it opens a second connection by the same route, reads the server's `SSH_MSG_KEXINIT`
//! (sent in clear right after the banners, RFC 4253 §7.1), and compares it with what it
//! offered.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::time::Instant;

use super::algorithms::{Kind, Offer};
use super::connect::Deadline;
use super::error::ConnectError;
use super::known_hosts::KnownHosts;
use super::wire::Fields;
use super::{ConnectOptions, HostSpec, route};

/// `SSH_MSG_KEXINIT`.
const KEXINIT: u8 = 20;
/// Larger packets are not a KEXINIT we want to read.
const MAX_PACKET: usize = 64 * 1024;

/// The server's offer, list by list, in KEXINIT order: kex, host key, ciphers and MACs
/// client to server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ServerOffer {
    kex: Vec<String>,
    host_key: Vec<String>,
    ciphers: Vec<String>,
    macs: Vec<String>,
}

impl ServerOffer {
    fn list(&self, kind: Kind) -> &[String] {
        match kind {
            Kind::Kex => &self.kex,
            Kind::HostKey => &self.host_key,
            Kind::Cipher => &self.ciphers,
            Kind::Mac => &self.macs,
        }
    }
}

/// The error to report for a failed negotiation with `host`, or `None` when the
/// server's offer cannot be read (the caller keeps libssh2's message then).
pub(super) fn explain(
    host: &HostSpec,
    deadline: &Deadline,
    options: &ConnectOptions,
    known_hosts: &KnownHosts,
    offer: &Offer,
) -> Option<ConnectError> {
    let left = deadline.at.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return None;
    }
    let mut route = route::open(host, deadline, options, known_hosts).ok()?;
    route.set_read_timeout(left).ok()?;
    let server = read_offer(&mut route).ok()?;
    let reason = mismatch(offer, &server)?;
    Some(ConnectError::Negotiation {
        target: deadline.target.clone(),
        reason,
    })
}

/// The first list with nothing in common, said as OpenSSH says it, with what would work.
fn mismatch(offer: &Offer, server: &ServerOffer) -> Option<String> {
    for kind in Kind::ALL {
        let ours = offer.offered(kind);
        let theirs = server.list(kind);
        if kind == Kind::Mac && aead_agreed(offer, server) {
            continue;
        }
        if theirs.iter().any(|name| ours.contains(name)) {
            continue;
        }
        let usable: Vec<&str> = theirs
            .iter()
            .filter(|name| offer.supported(kind).contains(name))
            .map(String::as_str)
            .collect();
        let mut text = format!(
            "no matching {} found; herd offers: {}; the server offers: {}",
            kind.what(),
            ours.join(","),
            theirs.join(",")
        );
        match usable.first() {
            Some(first) => text.push_str(&format!(
                ". herd can use {first} if this host opts in: `{keyword} +{first}` in its ssh config \
                 (a Host block), or ansible_ssh_common_args='-o {keyword}=+{first}' in the inventory",
                keyword = kind.keyword()
            )),
            None => text.push_str(&format!(
                ". herd (libssh2) supports none of the server's {}s",
                kind.what()
            )),
        }
        return Some(text);
    }
    None
}

/// Whether both sides have an AEAD cipher in common (its MAC is built in, so the MAC
/// lists need not agree).
fn aead_agreed(offer: &Offer, server: &ServerOffer) -> bool {
    offer
        .offered(Kind::Cipher)
        .iter()
        .find(|name| server.ciphers.contains(name))
        .is_some_and(|name| name.contains("gcm") || name.contains("chacha20-poly1305"))
}

/// Exchanges banners on `stream` and reads the server's KEXINIT.
fn read_offer(stream: &mut (impl Read + Write)) -> io::Result<ServerOffer> {
    stream.write_all(b"SSH-2.0-herd_offer_probe\r\n")?;
    let mut reader = BufReader::new(stream);
    // The server may send other lines before its banner (RFC 4253 §4.2).
    let mut line = Vec::new();
    for _ in 0..64 {
        line.clear();
        reader.by_ref().take(8192).read_until(b'\n', &mut line)?;
        if line.starts_with(b"SSH-") {
            break;
        }
        if line.is_empty() {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
    }
    let mut header = [0u8; 5];
    reader.read_exact(&mut header)?;
    let length = u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as usize;
    let padding = header[4] as usize;
    if !(1 + 17..=MAX_PACKET).contains(&length) || padding >= length {
        return Err(invalid("not a KEXINIT packet"));
    }
    let mut body = vec![0u8; length - 1];
    reader.read_exact(&mut body)?;
    parse_kexinit(&body[..length - 1 - padding])
}

/// Reads the name-lists of a KEXINIT payload.
fn parse_kexinit(payload: &[u8]) -> io::Result<ServerOffer> {
    if payload.first() != Some(&KEXINIT) || payload.len() < 17 {
        return Err(invalid("not a KEXINIT packet"));
    }
    let mut lists = Fields(&payload[17..]);
    let mut next = || -> io::Result<Vec<String>> {
        let text = lists.string().ok_or_else(|| invalid("KEXINIT too short"))?;
        Ok(String::from_utf8_lossy(text)
            .split(',')
            .filter(|name| !name.is_empty())
            .map(str::to_owned)
            .collect())
    };
    let kex = next()?;
    let host_key = next()?;
    let ciphers = next()?;
    let _ciphers_server_to_client = next()?;
    let macs = next()?;
    Ok(ServerOffer {
        kex: kex
            .into_iter()
            .filter(|name| !name.starts_with("ext-info-") && !name.starts_with("kex-strict-"))
            .collect(),
        host_key,
        ciphers,
        macs,
    })
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name_list(names: &str) -> Vec<u8> {
        let mut bytes = (names.len() as u32).to_be_bytes().to_vec();
        bytes.extend_from_slice(names.as_bytes());
        bytes
    }

    fn kexinit(lists: [&str; 10]) -> Vec<u8> {
        let mut payload = vec![KEXINIT];
        payload.extend_from_slice(&[7u8; 16]);
        for list in lists {
            payload.extend(name_list(list));
        }
        payload.extend_from_slice(&[0, 0, 0, 0, 0]);
        payload
    }

    fn packet(payload: &[u8]) -> Vec<u8> {
        let padding = 8 - (payload.len() + 5) % 8 + 4;
        let length = (payload.len() + padding + 1) as u32;
        let mut bytes = length.to_be_bytes().to_vec();
        bytes.push(padding as u8);
        bytes.extend_from_slice(payload);
        bytes.extend(std::iter::repeat_n(0u8, padding));
        bytes
    }

    struct Script {
        input: io::Cursor<Vec<u8>>,
        written: Vec<u8>,
    }

    impl Read for Script {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.input.read(buf)
        }
    }

    impl Write for Script {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.written.extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn reads_the_offer_after_banner_and_preamble() {
        let mut input = b"Welcome\r\nSSH-2.0-OpenSSH_9.2\r\n".to_vec();
        input.extend(packet(&kexinit([
            "diffie-hellman-group14-sha1,kex-strict-s-v00@openssh.com",
            "ssh-rsa",
            "aes128-ctr",
            "aes128-ctr",
            "hmac-sha1",
            "hmac-sha1",
            "none",
            "none",
            "",
            "",
        ])));
        let mut script = Script {
            input: io::Cursor::new(input),
            written: Vec::new(),
        };
        let offer = read_offer(&mut script).unwrap();
        assert!(script.written.starts_with(b"SSH-2.0-"));
        assert_eq!(offer.kex, ["diffie-hellman-group14-sha1"]);
        assert_eq!(offer.host_key, ["ssh-rsa"]);
        assert_eq!(offer.ciphers, ["aes128-ctr"]);
        assert_eq!(offer.macs, ["hmac-sha1"]);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for input in [
            b"SSH-2.0-x\r\n\xff\xff\xff\xff\x00".to_vec(),
            b"SSH-2.0-x\r\n\x00\x00\x00\x20\x04\x14abc".to_vec(),
            Vec::new(),
        ] {
            let mut script = Script {
                input: io::Cursor::new(input),
                written: Vec::new(),
            };
            assert!(read_offer(&mut script).is_err());
        }
        assert!(parse_kexinit(&[KEXINIT; 30]).is_err());
    }
}
