//! An ed25519 private key loaded once per run, signing libssh2's publickey logins itself.
//!
//! Given a key file, libssh2 reads and parses it anew at every login, and OpenSSL derives
//! the public key from the private one at each load (a scalar multiplication): a tenth of
//! herd's CPU per host when a run logs in to many hosts with one key (perf, bench
//! scenario 1). A key held here was parsed once ([`key_file::ed25519`]); each login only
//! signs: [`Ed25519Signer::authenticate`] gives libssh2 the public key's blob and a
//! callback that signs what it is handed, as an agent would. Keys of other kinds, and
//! encrypted ones, still go to libssh2 as files.

use std::ffi::{CString, c_int, c_uchar, c_void};
use std::ptr::{self, NonNull};

use libssh2_sys as raw;
use openssl_sys as ossl;
use ssh2::Session;

use super::key_file::{self, Ed25519Pair};

/// The length of an ed25519 signature.
const SIGNATURE_LEN: usize = 64;

unsafe extern "C" {
    /// libssh2's login with a caller's signing callback (in libssh2.h; not bound by
    /// libssh2-sys 0.3).
    fn libssh2_userauth_publickey(
        session: *mut raw::LIBSSH2_SESSION,
        username: *const std::ffi::c_char,
        pubkeydata: *const c_uchar,
        pubkeydata_len: libc::size_t,
        sign_callback: Option<SignCallback>,
        abstract_: *mut *mut c_void,
    ) -> c_int;
}

type SignCallback = unsafe extern "C" fn(
    session: *mut raw::LIBSSH2_SESSION,
    sig: *mut *mut c_uchar,
    sig_len: *mut libc::size_t,
    data: *const c_uchar,
    data_len: libc::size_t,
    abstract_: *mut *mut c_void,
) -> c_int;

/// An unencrypted ed25519 key, ready to sign.
pub(super) struct Ed25519Signer {
    /// The public key as SSH sends it: string "ssh-ed25519", string key.
    public_blob: Vec<u8>,
    key: NonNull<ossl::EVP_PKEY>,
}

// SAFETY: the EVP_PKEY is never changed after it is made, and OpenSSL lets many threads
// sign with one key at once, each with an EVP_MD_CTX of its own.
unsafe impl Send for Ed25519Signer {}
unsafe impl Sync for Ed25519Signer {}

impl std::fmt::Debug for Ed25519Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Ed25519Signer")
    }
}

impl Drop for Ed25519Signer {
    fn drop(&mut self) {
        // SAFETY: made by EVP_PKEY_new_raw_private_key, freed once.
        unsafe { ossl::EVP_PKEY_free(self.key.as_ptr()) }
    }
}

impl Ed25519Signer {
    /// The signer of the key in `contents`, if it is an unencrypted OpenSSH-format
    /// ed25519 key OpenSSL accepts.
    pub(super) fn from_key_file(contents: &[u8]) -> Option<Ed25519Signer> {
        let pair = key_file::ed25519(contents)?;
        Ed25519Signer::new(&pair)
    }

    fn new(pair: &Ed25519Pair) -> Option<Ed25519Signer> {
        // SAFETY: a 32-byte buffer for a raw ed25519 private key; the result is checked.
        let key = unsafe {
            ossl::EVP_PKEY_new_raw_private_key(
                ossl::EVP_PKEY_ED25519,
                ptr::null_mut(),
                pair.seed.as_ptr(),
                pair.seed.len(),
            )
        };
        let signer = Ed25519Signer {
            public_blob: pair.public_blob(),
            key: NonNull::new(key)?,
        };
        // A key whose stored public half is not its own would only be refused later.
        signer.public_key_matches(&pair.public).then_some(signer)
    }

    fn public_key_matches(&self, public: &[u8; 32]) -> bool {
        let mut derived = [0u8; 32];
        let mut length = derived.len();
        // SAFETY: a valid key and a 32-byte buffer whose length is passed.
        let ok = unsafe {
            ossl::EVP_PKEY_get_raw_public_key(self.key.as_ptr(), derived.as_mut_ptr(), &mut length)
        };
        ok == 1 && length == 32 && &derived == public
    }

    /// The ed25519 signature of `data`.
    fn sign(&self, data: &[u8]) -> Option<[u8; SIGNATURE_LEN]> {
        let mut signature = [0u8; SIGNATURE_LEN];
        let mut length = signature.len();
        // SAFETY: a fresh context, freed on every path; a valid key; buffers whose
        // lengths are passed with them.
        unsafe {
            let context = ossl::EVP_MD_CTX_new();
            if context.is_null() {
                return None;
            }
            let ok = ossl::EVP_DigestSignInit(
                context,
                ptr::null_mut(),
                ptr::null(),
                ptr::null_mut(),
                self.key.as_ptr(),
            ) == 1
                && ossl::EVP_DigestSign(
                    context,
                    signature.as_mut_ptr(),
                    &mut length,
                    data.as_ptr(),
                    data.len(),
                ) == 1;
            ossl::EVP_MD_CTX_free(context);
            (ok && length == SIGNATURE_LEN).then_some(signature)
        }
    }

    /// Logs `user` in with this key (blocking, within the session's timeout): the
    /// server is asked whether it takes the key, then sent the signed request.
    pub(super) fn authenticate(&self, session: &Session, user: &str) -> Result<(), ssh2::Error> {
        let user = CString::new(user).map_err(|_| {
            ssh2::Error::new(
                ssh2::ErrorCode::Session(raw::LIBSSH2_ERROR_INVAL),
                "a user name with a NUL byte",
            )
        })?;
        let mut this = ptr::from_ref(self).cast_mut().cast::<c_void>();
        let mut locked = session.raw();
        let raw_session: *mut raw::LIBSSH2_SESSION = &mut *locked;
        // SAFETY: the session is live and locked for the call; the callback gets `this`,
        // a pointer to self, which outlives the call.
        let rc = unsafe {
            libssh2_userauth_publickey(
                raw_session,
                user.as_ptr(),
                self.public_blob.as_ptr(),
                self.public_blob.len(),
                Some(sign_for_libssh2),
                &mut this,
            )
        };
        if rc >= 0 {
            Ok(())
        } else {
            Err(ssh2::Error::from_session_error_raw(raw_session, rc))
        }
    }
}

/// libssh2's signing callback: `*abstract_` is the [`Ed25519Signer`]; the signature goes
/// in a buffer from `malloc`, which libssh2 frees (the session uses the default
/// allocator).
unsafe extern "C" fn sign_for_libssh2(
    _session: *mut raw::LIBSSH2_SESSION,
    sig: *mut *mut c_uchar,
    sig_len: *mut libc::size_t,
    data: *const c_uchar,
    data_len: libc::size_t,
    abstract_: *mut *mut c_void,
) -> c_int {
    // SAFETY: libssh2 passes back the pointer `authenticate` gave it, and the data it
    // asks to sign with its length.
    let (signer, data) = unsafe {
        (
            &*(*abstract_).cast::<Ed25519Signer>(),
            std::slice::from_raw_parts(data, data_len),
        )
    };
    let Some(signature) = signer.sign(data) else {
        return -1;
    };
    // SAFETY: a buffer of the signature's size, filled before libssh2 sees it.
    unsafe {
        let buffer = libc::malloc(SIGNATURE_LEN).cast::<c_uchar>();
        if buffer.is_null() {
            return -1;
        }
        ptr::copy_nonoverlapping(signature.as_ptr(), buffer, SIGNATURE_LEN);
        *sig = buffer;
        *sig_len = SIGNATURE_LEN;
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 8032, section 7.1, test 1: the empty message.
    const SEED: &str = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
    const PUBLIC: &str = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
    const SIGNATURE: &str = "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155\
                             5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";

    fn hex(text: &str) -> Vec<u8> {
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
            .collect()
    }

    fn pair(public: &str) -> Ed25519Pair {
        Ed25519Pair {
            seed: hex(SEED).try_into().unwrap(),
            public: hex(public).try_into().unwrap(),
        }
    }

    #[test]
    fn signs_as_rfc_8032_says() {
        let signer = Ed25519Signer::new(&pair(PUBLIC)).unwrap();
        assert_eq!(signer.sign(b"").unwrap().to_vec(), hex(SIGNATURE));
        let mut blob = b"\0\0\0\x0bssh-ed25519\0\0\0\x20".to_vec();
        blob.extend(hex(PUBLIC));
        assert_eq!(signer.public_blob, blob);
    }

    #[test]
    fn a_key_whose_public_half_is_not_its_own_is_not_used() {
        let other = "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c";
        assert!(Ed25519Signer::new(&pair(other)).is_none());
    }
}
