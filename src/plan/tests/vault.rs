//! Values from ansible-vault in a plan: decrypted for the hosts, masked in everything shown.
//! The fixtures are ansible-vault's own (see src/vault/tests.rs), password `correct horse`.

use super::*;
use crate::secret::{MASK, Secret};
use crate::vault::Vault;

fn vault() -> Vault {
    Vault::new(vec![Secret::new("correct horse")])
}

/// A directory with the fixture `vars-1.1.yml` (`db_password`, `app_token`, `port`) as
/// `secrets.yml`.
fn dir_with_secrets() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/vault/fixtures/vars-1.1.yml");
    std::fs::copy(fixture, dir.path().join("secrets.yml")).unwrap();
    dir
}

#[test]
fn vault_values_render_for_hosts_and_show_masked() {
    let dir = dir_with_secrets();
    let path = dir.path().join("site.yml");
    std::fs::write(
        &path,
        "- hosts: h1\n  vars: {app: shop}\n  vars_files: [secrets.yml]\n  steps:\n    \
         - run: deploy {{ app }} --token={{ app_token }} --port={{ port }}\n",
    )
    .unwrap();
    let book = playbook::load_with_vault(&path, &vault()).unwrap_or_else(|e| panic!("{e}"));
    let inv = inventory("h1 password=inv-pw-123\n");
    let plan = plan_ok(&book, &inv, &PlanOptions::default());
    assert_eq!(
        commands(&plan, 0),
        ["deploy shop --token=tok-ABC123 --port=5432"]
    );
    let text = plan_text(&plan);
    assert!(
        text.contains("run: deploy shop --token=******** --port=********"),
        "{text}"
    );
    assert!(!plan_json(&plan).contains("tok-ABC123"));

    let play = &plan.plays[0];
    let message = "cannot open /srv/tok-ABC123/s3cr3t-Pa55 for shop (inv-pw-123)";
    assert_eq!(
        play.mask_message(0, 0, message),
        format!("cannot open /srv/{MASK}/{MASK} for shop ({MASK})")
    );
}

#[test]
fn an_encrypted_extra_vars_file_needs_the_vault_and_is_secret() {
    let dir = dir_with_secrets();
    let args = vec!["@secrets.yml".to_owned(), "port=80".to_owned()];
    let (vars, secret) = parse_extra_vars_with_vault(&args, dir.path(), &vault()).unwrap();
    assert_eq!(vars["app_token"], "tok-ABC123");
    assert_eq!(vars["port"], "80");
    assert!(secret.part("app_token").is_whole());
    assert!(
        secret.part("port").is_whole(),
        "stays marked when set again"
    );

    let err = parse_extra_vars(&args, dir.path()).unwrap_err().to_string();
    assert!(err.starts_with("-e @secrets.yml: "), "{err}");
    assert!(err.contains("--vault-password-file"), "{err}");

    let inv = inventory(SMALL);
    let book = playbook("- hosts: h1\n  steps:\n    - run: echo {{ app_token }}\n");
    let options = PlanOptions {
        extra_vars: vars,
        extra_secret_vars: secret,
        ..PlanOptions::default()
    };
    let plan = plan_ok(&book, &inv, &options);
    assert_eq!(commands(&plan, 0), ["echo tok-ABC123"]);
    assert!(plan_text(&plan).contains(&format!("run: echo {MASK}")));
}
