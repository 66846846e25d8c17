//! The cryptography: PBKDF2-HMAC-SHA256 keys, an HMAC-SHA256 check, AES-256-CTR.

use super::VaultError;
use super::envelope::Envelope;
use aes::Aes256;
use ctr::cipher::{KeyIvInit, StreamCipher};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// PBKDF2 rounds, fixed by the format.
const ROUNDS: u32 = 10_000;
/// AES-256 and HMAC key length.
const KEY_LEN: usize = 32;
/// The AES block, also the length of the initial counter.
const BLOCK: usize = 16;

/// The plaintext of `envelope` under `password`; `None` when the HMAC does not match
/// (the wrong password), an error when it matches but the padding is broken.
pub(super) fn open(envelope: &Envelope, password: &[u8]) -> Result<Option<Vec<u8>>, VaultError> {
    let mut derived = [0u8; 2 * KEY_LEN + BLOCK];
    pbkdf2::pbkdf2_hmac::<Sha256>(password, &envelope.salt, ROUNDS, &mut derived);
    let (aes_key, rest) = derived.split_at(KEY_LEN);
    let (hmac_key, counter) = rest.split_at(KEY_LEN);
    let mut mac = Hmac::<Sha256>::new_from_slice(hmac_key).expect("HMAC takes any key length");
    mac.update(&envelope.ciphertext);
    // `verify_slice` compares in constant time.
    if mac.verify_slice(&envelope.hmac).is_err() {
        return Ok(None);
    }
    let mut plain = envelope.ciphertext.clone();
    ctr::Ctr128BE::<Aes256>::new(aes_key.into(), counter.into()).apply_keystream(&mut plain);
    unpad(&mut plain)?;
    Ok(Some(plain))
}

/// Removes PKCS#7 padding (1 to 16 bytes, each holding the count).
fn unpad(plain: &mut Vec<u8>) -> Result<(), VaultError> {
    let count = plain.last().copied().unwrap_or(0) as usize;
    let valid = (1..=BLOCK).contains(&count)
        && plain.len() >= count
        && plain[plain.len() - count..]
            .iter()
            .all(|&byte| byte as usize == count);
    if !valid {
        return Err(VaultError::Malformed(
            "the HMAC matches but the decrypted data has no valid padding".into(),
        ));
    }
    plain.truncate(plain.len() - count);
    Ok(())
}
