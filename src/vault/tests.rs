//! The fixtures were made by ansible-vault (ansible-core 2.19) with the password
//! `correct horse` (a password file holding `correct horse\n`):
//! `ansible-vault encrypt --vault-password-file PW vars-1.1.yml`,
//! `ansible-vault encrypt --vault-id prod@PW vars-1.2-prod.yml`, the same for
//! `empty-1.1.txt` (an empty file), `list-1.1.yml` (`- hidden-item-42`) and `binary-1.1.dat` (text then `\xff\xfe\x00`), and
//! `ansible-vault encrypt_string --vault-password-file PW 'inline-S3cret' --name api_key`
//! for `inline.yml`. tests/vault.rs makes more at run time.

use super::*;
use crate::secret::Secret;

const PASSWORD: &str = "correct horse";
const V11: &str = include_str!("fixtures/vars-1.1.yml");
const V12: &str = include_str!("fixtures/vars-1.2-prod.yml");
const EMPTY: &str = include_str!("fixtures/empty-1.1.txt");
const BINARY: &str = include_str!("fixtures/binary-1.1.dat");
const INLINE: &str = include_str!("fixtures/inline.yml");
const PLAIN_VARS: &str = "db_password: s3cr3t-Pa55\napp_token: tok-ABC123\nport: 5432\n";

fn vault(passwords: &[&str]) -> Vault {
    Vault::new(passwords.iter().map(|p| Secret::new(*p)).collect())
}

#[test]
fn decrypts_format_1_1_and_1_2() {
    assert!(is_encrypted(V11) && is_encrypted(V12));
    assert!(!is_encrypted(PLAIN_VARS));
    let vault = vault(&[PASSWORD]);
    assert_eq!(vault.decrypt_text(V11).unwrap(), PLAIN_VARS);
    assert_eq!(vault.decrypt_text(V12).unwrap(), PLAIN_VARS);
    assert_eq!(vault.decrypt(EMPTY).unwrap(), b"");
    assert_eq!(
        vault.decrypt(BINARY).unwrap(),
        b"line one\nline two\xff\xfe\x00"
    );
    assert_eq!(vault.decrypt_text(BINARY), Err(VaultError::NotText));
}

#[test]
fn tries_each_password_in_turn() {
    assert_eq!(
        vault(&["nope", PASSWORD]).decrypt_text(V11).unwrap(),
        PLAIN_VARS
    );
}

#[test]
fn a_wrong_password_is_one_clear_error() {
    let err = vault(&["correct horse "]).decrypt(V11).unwrap_err();
    assert_eq!(
        err,
        VaultError::WrongPassword {
            label: None,
            tried: 1
        }
    );
    let message = err.to_string();
    assert!(message.contains("the vault password is wrong"), "{message}");
    let err = vault(&["a", "b"]).decrypt(V12).unwrap_err().to_string();
    assert!(err.contains("(vault id `prod`)"), "{err}");
    assert!(err.contains("none of the 2 passwords given fits"), "{err}");
}

#[test]
fn no_password_says_what_to_pass() {
    let err = Vault::default().decrypt(V12).unwrap_err().to_string();
    assert!(err.contains("(vault id `prod`)"), "{err}");
    for option in [
        "--vault-password-file",
        "--ask-vault-pass",
        "HERD_VAULT_PASSWORD_FILE",
    ] {
        assert!(err.contains(option), "{err}");
    }
}

#[test]
fn a_changed_byte_fails_the_hmac() {
    let vault = vault(&[PASSWORD]);
    // The last hexadecimal digit pair of the file is the ciphertext's last byte.
    let body = V11.trim_end();
    let last = body.chars().last().unwrap();
    let flipped = if last == '0' { '1' } else { '0' };
    let tampered = format!("{}{flipped}\n", &body[..body.len() - 1]);
    assert!(matches!(
        vault.decrypt(&tampered),
        Err(VaultError::WrongPassword { .. })
    ));
}

#[test]
fn malformed_envelopes_say_what_is_wrong() {
    let vault = vault(&[PASSWORD]);
    let body: String = V11.lines().skip(1).collect::<Vec<_>>().join("\n");
    let cases = [
        (format!("$ANSIBLE_VAULT;1.0;AES\n{body}"), "version `1.0`"),
        (
            format!("$ANSIBLE_VAULT;1.1;AES128\n{body}"),
            "cipher `AES128`",
        ),
        (
            "$ANSIBLE_VAULT;1.1;AES256\n".to_owned(),
            "no encrypted data",
        ),
        (format!("$ANSIBLE_VAULT;1.1;AES256\n{body}z"), "line 8"),
        (format!("$ANSIBLE_VAULT;1.1;AES256\n{body}a"), "odd number"),
        (
            format!("$ANSIBLE_VAULT;1.1;AES256\n{}", &body[..80]),
            "lacks its salt, HMAC or ciphertext",
        ),
        ("$ANSIBLE_VAULT;1.1\n00".to_owned(), "is not one herd reads"),
    ];
    for (text, expected) in cases {
        let err = vault.decrypt(&text).unwrap_err();
        assert!(matches!(err, VaultError::Malformed(_)), "{err:?}");
        let message = err.to_string();
        assert!(message.contains(expected), "{expected}: {message}");
        assert!(!message.contains(PASSWORD), "{message}");
    }
}

#[test]
fn inline_values_are_decrypted_and_marked() {
    let mut vars: serde_json::Map<String, serde_json::Value> =
        serde_saphyr::from_str(INLINE).unwrap();
    assert!(is_encrypted(vars["api_key"].as_str().unwrap()));
    let secret = decrypt_values(&mut vars, &vault(&[PASSWORD])).unwrap();
    assert_eq!(vars["api_key"], "inline-S3cret");
    assert_eq!(vars["region"], "eu");
    assert!(secret.part("api_key").is_whole());
    assert!(secret.part("region").is_empty());

    let mut nested = serde_json::json!({
        "db": {"user": "app", "password": vars["region"].clone()},
        "list": ["x", serde_json::Value::String(V11.to_owned())],
    });
    let nested = nested.as_object_mut().unwrap();
    let secret = decrypt_values(nested, &vault(&[PASSWORD])).unwrap();
    assert_eq!(nested["list"][1], PLAIN_VARS);
    assert!(secret.part("list").part("1").is_whole());
    assert!(secret.part("db").is_empty());

    let mut vars: serde_json::Map<String, serde_json::Value> =
        serde_saphyr::from_str(INLINE).unwrap();
    let err = decrypt_values(&mut vars, &vault(&["wrong"])).unwrap_err();
    assert_eq!(err.path, "api_key");
    let message = err.to_string();
    assert!(
        message.starts_with("the value of `api_key` cannot be decrypted"),
        "{message}"
    );
}

#[test]
fn password_files_are_read_like_ansible() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pw");
    std::fs::write(&file, "  correct horse \n\n").unwrap();
    assert_eq!(password_from_file(&file).unwrap().expose(), PASSWORD);

    let script = dir.path().join("pw.sh");
    std::fs::write(&script, "#!/bin/sh\nprintf ' correct horse\\r\\n'\n").unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o700)).unwrap();
    assert_eq!(
        password_from_file(&script).unwrap().expose(),
        " correct horse"
    );

    std::fs::write(&script, "#!/bin/sh\necho oops >&2\nexit 3\n").unwrap();
    let err = password_from_file(&script).unwrap_err().to_string();
    assert!(
        err.contains("pw.sh") && err.contains("exit status: 3"),
        "{err}"
    );

    std::fs::write(&file, " \n").unwrap();
    let err = password_from_file(&file).unwrap_err().to_string();
    assert!(err.contains("the password is empty"), "{err}");

    let err = password_from_file(&dir.path().join("missing"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("cannot read it"), "{err}");
}
