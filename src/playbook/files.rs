//! The local files a playbook names: vars files and `put` sources, checked at load time.

use super::error::Problem;
use super::source::{Source, read_text};
use super::yaml;
use crate::template::referenced_variables;
use serde_json::{Map, Value};
use std::path::Path;

/// Reads a vars file: a YAML mapping of variable names to values (an empty file is an
/// empty mapping). Problems point into the vars file itself.
pub(crate) fn read_vars_file(path: &Path) -> Result<Map<String, Value>, Problem> {
    let name = path.display().to_string();
    let text = read_text(path, &name)?;
    let source = Source {
        name: &name,
        text: &text,
    };
    let vars: Option<Map<String, Value>> = yaml::parse(source)?;
    Ok(vars.unwrap_or_default())
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
        let vars = read_vars_file(&path).unwrap();
        assert_eq!(vars["app"], "shop");
        assert_eq!(vars["ports"], serde_json::json!([80, 443]));
        std::fs::write(&path, "# nothing yet\n").unwrap();
        assert!(read_vars_file(&path).unwrap().is_empty());
    }

    #[test]
    fn a_vars_file_that_is_not_a_mapping_is_reported_in_that_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v.yml");
        std::fs::write(&path, "- a\n- b\n").unwrap();
        let problem = read_vars_file(&path).unwrap_err();
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
