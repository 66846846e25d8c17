//! The JSON Schema of the playbook format, generated from the raw types.

use super::raw::{RawPlaybook, RawStep};
use schemars::JsonSchema;

/// The playbook JSON Schema (draft 2020-12), pretty-printed with a trailing newline:
/// the exact contents of `schemas/playbook.schema.json`.
pub fn schema_json() -> String {
    format!("{:#}\n", schemars::schema_for!(RawPlaybook).as_value())
}

/// A file that `import_steps` names, for its schema only: a list of steps.
#[derive(JsonSchema)]
#[schemars(
    transparent,
    title = "herd steps file",
    description = "A list of steps, brought into a playbook by a step's `import_steps`."
)]
#[allow(dead_code)] // never built: schemars reads its shape
struct StepsFile(Vec<RawStep>);

/// The JSON Schema of a steps file (`import_steps`), pretty-printed with a trailing
/// newline: the exact contents of `schemas/steps.schema.json`.
pub fn steps_schema_json() -> String {
    format!("{:#}\n", schemars::schema_for!(StepsFile).as_value())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;
    use std::path::{Path, PathBuf};

    const SCHEMA_FILE: &str = "schemas/playbook.schema.json";
    const STEPS_SCHEMA_FILE: &str = "schemas/steps.schema.json";

    fn repo_path(rel: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
    }

    fn validator() -> jsonschema::Validator {
        let schema: Value = serde_json::from_str(&schema_json()).unwrap();
        jsonschema::validator_for(&schema).unwrap()
    }

    fn yaml_to_json(text: &str) -> Value {
        serde_saphyr::from_str(text).unwrap()
    }

    /// Fails when the committed schema differs from the generated one.
    /// `UPDATE_SCHEMA=1 cargo test --lib playbook::schema` rewrites it.
    #[test]
    fn committed_schema_is_up_to_date() {
        let path = repo_path(SCHEMA_FILE);
        let generated = schema_json();
        if std::env::var_os("UPDATE_SCHEMA").is_some() {
            std::fs::write(&path, &generated).unwrap();
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == generated,
            "{SCHEMA_FILE} is out of date with the playbook types; regenerate it with \
             `UPDATE_SCHEMA=1 cargo test --lib playbook::schema` (or `cargo run -- schema > \
             {SCHEMA_FILE}`) and commit it"
        );
    }

    /// Fails when the committed steps schema differs from the generated one; regenerated
    /// like the playbook's.
    #[test]
    fn committed_steps_schema_is_up_to_date() {
        let path = repo_path(STEPS_SCHEMA_FILE);
        let generated = steps_schema_json();
        if std::env::var_os("UPDATE_SCHEMA").is_some() {
            std::fs::write(&path, &generated).unwrap();
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == generated,
            "{STEPS_SCHEMA_FILE} is out of date; regenerate it with `UPDATE_SCHEMA=1 cargo test \
             --lib playbook::schema` and commit it"
        );
    }

    #[test]
    fn example_steps_files_validate_against_the_steps_schema() {
        let schema: Value = serde_json::from_str(&steps_schema_json()).unwrap();
        let validator = jsonschema::validator_for(&schema).unwrap();
        let mut count = 0;
        for entry in std::fs::read_dir(repo_path("playbooks/steps")).unwrap() {
            let path = entry.unwrap().path();
            let instance = yaml_to_json(&std::fs::read_to_string(&path).unwrap());
            let errors: Vec<String> = validator
                .iter_errors(&instance)
                .map(|err| format!("{} at {}", err, err.instance_path()))
                .collect();
            assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
            count += 1;
        }
        assert!(count >= 1, "no example steps file");
        assert!(!validator.is_valid(&yaml_to_json("- hosts: all\n  steps: []\n")));
    }

    #[test]
    fn example_playbooks_validate_against_the_schema() {
        let validator = validator();
        let mut count = 0;
        for entry in std::fs::read_dir(repo_path("playbooks")).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|ext| ext != "yml") {
                continue;
            }
            let instance = yaml_to_json(&std::fs::read_to_string(&path).unwrap());
            let errors: Vec<String> = validator
                .iter_errors(&instance)
                .map(|err| format!("{} at {}", err, err.instance_path()))
                .collect();
            assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
            count += 1;
        }
        assert!(count >= 3, "found only {count} example playbooks");
    }

    #[test]
    fn schema_wants_exactly_one_action_and_known_keys() {
        let validator = validator();
        let valid = |yaml: &str| validator.is_valid(&yaml_to_json(yaml));
        assert!(valid("- hosts: all\n  steps:\n    - run: ls\n"));
        assert!(valid(
            "- hosts: all\n  serial: 25%\n  steps:\n    - put: {src: a, dest: b, mode: '0644'}\n      tags: x\n      when: true\n"
        ));
        assert!(!valid(
            "- hosts: all\n  steps:\n    - run: ls\n      put: {src: a, dest: b}\n"
        ));
        assert!(!valid("- hosts: all\n  steps:\n    - name: nothing\n"));
        assert!(!valid(
            "- hosts: all\n  steps:\n    - run: ls\n      regster: x\n"
        ));
        assert!(!valid("- hosts: all\n  stepz: []\n"));
        assert!(!valid("- hosts: all\n  steps: []\n"));
        assert!(!valid(
            "- hosts: all\n  serial: 0\n  steps:\n    - run: ls\n"
        ));
        assert!(!valid(
            "- hosts: all\n  max_fail_percentage: 101\n  steps:\n    - run: ls\n"
        ));
        assert!(!valid(
            "- hosts: all\n  steps:\n    - put: {src: a, dest: b, mode: '0999'}\n"
        ));
        assert!(!valid(
            "- hosts: all\n  vars: {app-name: x}\n  steps:\n    - run: ls\n"
        ));
        assert!(!valid(
            "- hosts: all\n  steps:\n    - run: ls\n      register: 1x\n"
        ));
        assert!(valid(
            "- hosts: all\n  steps:\n    - {run: ls, notify: [a], run_once: true, delegate_to: localhost}\n    - import_steps: x.yml\n  handlers:\n    - {name: a, run: b, listen: t}\n"
        ));
        assert!(!valid(
            "- hosts: all\n  steps:\n    - {run: ls, delegate_to: h2}\n"
        ));
        assert!(!valid(
            "- hosts: all\n  steps:\n    - {run: ls, import_steps: x.yml}\n"
        ));
    }
}
