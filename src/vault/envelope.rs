//! The envelope: the header line, then hexadecimal lines holding the salt, HMAC and
//! ciphertext (each itself hexadecimal, separated by newlines).

use super::{HEADER, VaultError};

/// The parts of an ansible-vault envelope.
#[derive(Debug)]
pub(super) struct Envelope {
    /// The vault id of a 1.2 envelope.
    pub label: Option<String>,
    /// The PBKDF2 salt.
    pub salt: Vec<u8>,
    /// The HMAC-SHA256 of `ciphertext`.
    pub hmac: Vec<u8>,
    /// The AES-256-CTR ciphertext (PKCS#7-padded plaintext).
    pub ciphertext: Vec<u8>,
}

/// Splits `text` into its parts, or says what is wrong with it.
pub(super) fn parse(text: &str) -> Result<Envelope, VaultError> {
    let malformed = |what: String| VaultError::Malformed(what);
    let mut lines = text.lines();
    let header = lines.next().unwrap_or_default().trim();
    let label = parse_header(header).map_err(malformed)?;
    let mut body = String::new();
    for (index, line) in lines.enumerate() {
        let line = line.trim();
        if let Some(bad) = line.chars().find(|c| !c.is_ascii_hexdigit()) {
            return Err(malformed(format!(
                "line {} of the encrypted data holds {bad:?}, not a hexadecimal digit",
                index + 2
            )));
        }
        body.push_str(line);
    }
    if body.is_empty() {
        return Err(malformed(
            "the header has no encrypted data after it".into(),
        ));
    }
    let inner = unhex(&body).ok_or_else(|| {
        malformed("the encrypted data has an odd number of hexadecimal digits (cut short?)".into())
    })?;
    let inner = String::from_utf8(inner).map_err(|_| {
        malformed("the encrypted data does not decode to salt, HMAC and ciphertext".into())
    })?;
    let mut parts = inner.splitn(3, '\n');
    let (Some(salt), Some(hmac), Some(ciphertext)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed(
            "the encrypted data lacks its salt, HMAC or ciphertext (cut short?)".into(),
        ));
    };
    let decode = |part: &str, name: &str| {
        unhex(part).ok_or_else(|| malformed(format!("the {name} is not hexadecimal")))
    };
    let envelope = Envelope {
        label,
        salt: decode(salt, "salt")?,
        hmac: decode(hmac, "HMAC")?,
        ciphertext: decode(ciphertext, "ciphertext")?,
    };
    if envelope.salt.is_empty() || envelope.ciphertext.is_empty() {
        return Err(malformed("the salt or the ciphertext is empty".into()));
    }
    Ok(envelope)
}

/// The vault id of a valid header (`None` for 1.1), or what is wrong with it.
fn parse_header(header: &str) -> Result<Option<String>, String> {
    let expected = "expected `$ANSIBLE_VAULT;1.1;AES256` or `$ANSIBLE_VAULT;1.2;AES256;LABEL`";
    let Some(rest) = header.strip_prefix(HEADER) else {
        return Err(format!(
            "the first line does not start with `{HEADER}`; {expected}"
        ));
    };
    let fields: Vec<&str> = rest.split(';').map(str::trim).collect();
    match fields.as_slice() {
        ["1.1" | "1.2", "AES256"] => Ok(None),
        ["1.2", "AES256", label] if !label.is_empty() => Ok(Some((*label).to_owned())),
        [version, ..] if !matches!(*version, "1.1" | "1.2") => Err(format!(
            "format version `{version}` is not supported; herd reads 1.1 and 1.2 ({expected})"
        )),
        [_, cipher, ..] if *cipher != "AES256" => Err(format!(
            "cipher `{cipher}` is not supported; ansible-vault writes AES256 ({expected})"
        )),
        _ => Err(format!(
            "the header `{header}` is not one herd reads; {expected}"
        )),
    }
}

/// Bytes from hexadecimal digits (either case), `None` if any is not one or the count is odd.
fn unhex(text: &str) -> Option<Vec<u8>> {
    let digits = text.as_bytes();
    if digits.len() % 2 != 0 {
        return None;
    }
    digits
        .chunks(2)
        .map(|pair| {
            let high = (pair[0] as char).to_digit(16)?;
            let low = (pair[1] as char).to_digit(16)?;
            Some((high * 16 + low) as u8)
        })
        .collect()
}
