//! The local files a playbook names: vars files and `put` sources, checked at load time.

use super::error::Problem;
use super::source::{Source, file_problem, read_text};
use super::yaml;
use crate::secret::SecretVars;
use crate::template::referenced_variables;
use crate::vault::{Vault, decrypt_values, is_encrypted};
use serde_json::{Map, Value};
use std::path::Path;

/// A vars file's variables, and which of them came from ansible-vault.
#[derive(Debug, Default)]
pub(crate) struct VarsFile {
    /// The variables.
    pub vars: Map<String, Value>,
    /// The values decrypted with the vault: every variable of an encrypted file, the
    /// encrypted (`!vault`) values of a plain one.
    pub secret: SecretVars,
}

/// Reads a vars file: a YAML mapping of variable names to values (an empty file is an
/// empty mapping). A file encrypted with ansible-vault, and encrypted values in a plain
/// one, are decrypted with `vault`. Problems point into the vars file itself; those in
/// a decrypted file give its line but never its text.
pub(crate) fn read_vars_file(path: &Path, vault: &Vault) -> Result<VarsFile, Problem> {
    let name = path.display().to_string();
    let text = read_text(path, &name)?;
    let encrypted = is_encrypted(&text);
    let text = if encrypted {
        vault
            .decrypt_text(&text)
            .map_err(|err| file_problem(&name, format!("the vars file {err}")))?
    } else {
        text
    };
    let source = Source {
        name: &name,
        text: &text,
    };
    let parsed: Result<Option<Map<String, Value>>, Problem> = yaml::parse(source);
    let mut vars = match parsed {
        Ok(vars) => vars.unwrap_or_default(),
        Err(problem) if encrypted => {
            return Err(Problem {
                message: "the decrypted vars file is not a YAML mapping of variables \
                          (details are not shown: they could hold secrets; see them with \
                          `ansible-vault view`)"
                    .into(),
                snippet: None,
                ..problem
            });
        }
        Err(problem) => return Err(problem),
    };
    let mut secret =
        decrypt_values(&mut vars, vault).map_err(|err| file_problem(&name, err.to_string()))?;
    if encrypted {
        for key in vars.keys() {
            secret.mark(std::slice::from_ref(key));
        }
    }
    Ok(VarsFile { vars, secret })
}

/// Checks that a `put` source exists and is a file; for a template, that it parses.
///
/// `at_step` words a problem at the step (a missing file); problems inside the template
/// file point into that file.
pub(super) fn check_put_src(
    path: &Path,
    template: bool,
    at_step: impl FnOnce(String) -> Problem,
) -> Result<(), Problem> {
    if !path.is_file() {
        let what = if path.exists() {
            "is not a file"
        } else {
            "does not exist"
        };
        return Err(at_step(format!(
            "put src {} {what} (relative paths are resolved against the playbook's directory)",
            path.display()
        )));
    }
    if !template {
        return Ok(());
    }
    let name = path.display().to_string();
    let text = read_text(path, &name)?;
    match referenced_variables(&text) {
        Ok(_) => Ok(()),
        Err(err) => Err(Source {
            name: &name,
            text: &text,
        }
        .problem(
            err.line,
            0,
            format!("template syntax error: {}", err.detail),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at_step(message: String) -> Problem {
        Problem {
            file: "site.yml".into(),
            line: 4,
            column: 7,
            message,
            snippet: None,
        }
    }

    #[test]
    fn reads_a_mapping_and_an_empty_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v.yml");
        std::fs::write(&path, "app: shop\nports: [80, 443]\n").unwrap();
        let file = read_vars_file(&path, &Vault::default()).unwrap();
        assert_eq!(file.vars["app"], "shop");
        assert_eq!(file.vars["ports"], serde_json::json!([80, 443]));
        assert!(file.secret.is_empty());
        std::fs::write(&path, "# nothing yet\n").unwrap();
        assert!(
            read_vars_file(&path, &Vault::default())
                .unwrap()
                .vars
                .is_empty()
        );
    }

    /// A vault fixture made by ansible-vault (see src/vault/tests.rs), password
    /// `correct horse`.
    fn fixture(name: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("src/vault/fixtures")
            .join(name)
    }

    fn vault(password: &str) -> Vault {
        Vault::new(vec![crate::secret::Secret::new(password)])
    }

    #[test]
    fn an_encrypted_vars_file_is_decrypted_and_all_of_it_is_secret() {
        let file = read_vars_file(&fixture("vars-1.2-prod.yml"), &vault("correct horse")).unwrap();
        assert_eq!(file.vars["db_password"], "s3cr3t-Pa55");
        assert_eq!(file.vars["port"], 5432);
        for key in ["db_password", "app_token", "port"] {
            assert!(file.secret.part(key).is_whole(), "{key}");
        }
        let inline = read_vars_file(&fixture("inline.yml"), &vault("correct horse")).unwrap();
        assert_eq!(inline.vars["api_key"], "inline-S3cret");
        assert!(inline.secret.part("api_key").is_whole());
        assert!(inline.secret.part("region").is_empty());
    }

    #[test]
    fn vault_problems_name_the_file_and_never_its_secrets() {
        let path = fixture("vars-1.1.yml");
        let wrong = read_vars_file(&path, &vault("wrong")).unwrap_err();
        assert_eq!(wrong.file, path.display().to_string());
        assert!(
            wrong.message.contains("the vault password is wrong"),
            "{wrong}"
        );
        let missing = read_vars_file(&path, &Vault::default()).unwrap_err();
        assert!(
            missing.message.contains("--vault-password-file"),
            "{missing}"
        );
        let inline = read_vars_file(&fixture("inline.yml"), &Vault::default()).unwrap_err();
        assert!(
            inline.message.starts_with("the value of `api_key` "),
            "{inline}"
        );

        let list = read_vars_file(&fixture("list-1.1.yml"), &vault("correct horse")).unwrap_err();
        let shown = list.to_string();
        assert_eq!(list.line, 1);
        assert!(shown.contains("ansible-vault view"), "{shown}");
        assert!(!shown.contains("hidden-item-42"), "{shown}");
    }

    #[test]
    fn a_vars_file_that_is_not_a_mapping_is_reported_in_that_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v.yml");
        std::fs::write(&path, "- a\n- b\n").unwrap();
        let problem = read_vars_file(&path, &Vault::default()).unwrap_err();
        assert_eq!(problem.file, path.display().to_string());
        assert_eq!(problem.line, 1);
    }

    #[test]
    fn put_src_must_exist_and_templates_must_parse() {
        let dir = tempfile::tempdir().unwrap();
        let missing = check_put_src(&dir.path().join("nope"), false, at_step).unwrap_err();
        assert!(missing.message.starts_with("put src "), "{missing}");
        assert!(missing.message.contains("does not exist"), "{missing}");
        assert_eq!(missing.line, 4);
        let not_a_file = check_put_src(dir.path(), false, at_step).unwrap_err();
        assert!(not_a_file.message.contains("is not a file"), "{not_a_file}");

        let tpl = dir.path().join("t.j2");
        std::fs::write(&tpl, "ok {{ x }}\nbad {{ y\n").unwrap();
        check_put_src(&tpl, false, at_step).unwrap();
        let bad = check_put_src(&tpl, true, at_step).unwrap_err();
        assert_eq!(bad.file, tpl.display().to_string());
        assert_eq!(bad.line, 2);
        assert!(bad.message.starts_with("template syntax error: "), "{bad}");
    }
}
