//! `-e` arguments: `key=value` words, `@FILE` (a YAML or JSON mapping) and JSON objects.

use super::error::{PlanError, PlanProblem};
use crate::playbook::{is_identifier, read_vars_file};
use crate::secret::SecretVars;
use crate::vault::Vault;
use serde_json::{Map, Value};
use std::path::Path;

/// Merges every `-e` argument, in order, into one mapping; a later argument wins.
///
/// Each argument is one of:
/// - `@FILE`: a YAML (or JSON) mapping read from `FILE`, relative to `cwd`, with the
///   playbook loader's limits;
/// - `{…}`: a JSON object;
/// - `key=value` words, several separated by spaces and quoted like a shell
///   (`-e 'app=shop greeting="hello world"'`); values are strings, `key=` is empty.
///
/// Variable names must be `[A-Za-z_][A-Za-z0-9_]*`. Errors name the argument by its
/// file, key or position, never by a value (which may be a password). An `@FILE`
/// encrypted with ansible-vault is refused: see [`parse_extra_vars_with_vault`].
pub fn parse_extra_vars(args: &[String], cwd: &Path) -> Result<Map<String, Value>, PlanError> {
    Ok(parse_extra_vars_with_vault(args, cwd, &Vault::default())?.0)
}

/// [`parse_extra_vars`], decrypting `@FILE`s (and `!vault` values in them) encrypted
/// with ansible-vault with the passwords in `vault`; also returns which variables came
/// from the vault (each later argument that sets one again leaves it marked).
pub fn parse_extra_vars_with_vault(
    args: &[String],
    cwd: &Path,
    vault: &Vault,
) -> Result<(Map<String, Value>, SecretVars), PlanError> {
    let mut vars = Map::new();
    let mut secret = SecretVars::default();
    for (index, arg) in args.iter().enumerate() {
        let position = index + 1;
        let parsed = if let Some(file) = arg.strip_prefix('@') {
            let (file_vars, file_secret) = from_file(file, cwd, vault)?;
            secret.extend(file_secret);
            Ok(file_vars)
        } else if arg.trim_start().starts_with('{') {
            from_json(arg, position)
        } else {
            from_words(arg, position)
        }?;
        vars.extend(parsed);
    }
    Ok((vars, secret))
}

/// `@FILE`: a mapping of variable names to any values, and which came from the vault.
fn from_file(
    file: &str,
    cwd: &Path,
    vault: &Vault,
) -> Result<(Map<String, Value>, SecretVars), PlanProblem> {
    let arg = format!("@{file}");
    if file.is_empty() {
        return Err(problem(
            arg,
            "give a file after @, like -e @vars.yml".into(),
        ));
    }
    let file =
        read_vars_file(&cwd.join(file), vault).map_err(|problem| PlanProblem::ExtraVars {
            arg: arg.clone(),
            reason: problem.to_string(),
        })?;
    Ok((check_names(&arg, file.vars)?, file.secret))
}

/// `{"a": 1}`: a JSON object.
fn from_json(text: &str, position: usize) -> Result<Map<String, Value>, PlanProblem> {
    let arg = format!("#{position}");
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(vars)) => check_names(&arg, vars),
        Ok(_) => Err(problem(arg, "not a JSON object".into())),
        Err(err) => Err(problem(
            arg,
            format!(
                "invalid JSON at line {} column {}; an argument starting with {{ must be a JSON object",
                err.line(),
                err.column()
            ),
        )),
    }
}

/// `a=1 b="x y"`: shell-quoted `key=value` words.
fn from_words(text: &str, position: usize) -> Result<Map<String, Value>, PlanProblem> {
    let arg = format!("#{position}");
    let words = shlex::split(text).ok_or_else(|| {
        problem(
            arg.clone(),
            "unbalanced quotes; quote values with spaces like -e 'msg=\"a b\"'".into(),
        )
    })?;
    if words.is_empty() {
        return Err(problem(
            arg,
            "empty; give key=value, @FILE or a JSON object".into(),
        ));
    }
    let mut vars = Map::new();
    for (index, word) in words.iter().enumerate() {
        let Some((key, value)) = word.split_once('=') else {
            return Err(problem(
                arg,
                format!(
                    "word {} is not key=value; give key=value, @FILE or a JSON object, and \
                     quote values with spaces like -e 'msg=\"a b\"'",
                    index + 1
                ),
            ));
        };
        if !is_identifier(key) {
            return Err(bad_name(&arg, key));
        }
        vars.insert(key.to_owned(), Value::String(value.to_owned()));
    }
    Ok(vars)
}

/// `vars`, if every key can be named in a template.
fn check_names(arg: &str, vars: Map<String, Value>) -> Result<Map<String, Value>, PlanProblem> {
    match vars.keys().find(|key| !is_identifier(key)) {
        Some(key) => Err(bad_name(arg, key)),
        None => Ok(vars),
    }
}

fn bad_name(arg: &str, key: &str) -> PlanProblem {
    let shown: String = key.chars().take(40).collect();
    problem(
        arg.to_owned(),
        format!(
            "`{shown}` is not a variable name; use letters, digits and `_`, not starting with a digit"
        ),
    )
}

fn problem(arg: String, reason: String) -> PlanProblem {
    PlanProblem::ExtraVars { arg, reason }
}
