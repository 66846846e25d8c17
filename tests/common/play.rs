//! Running `herd play` on small playbooks in a test's work dir, and reading its output.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use super::Lab;

/// Writes `files` (path relative to the test's work dir, text); returns the first's path.
pub fn write_files(lab: &Lab, files: &[(&str, &str)]) -> PathBuf {
    for (name, text) in files {
        let path = lab.work.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
    }
    lab.work.path().join(files[0].0)
}

/// `herd play PLAYBOOK ARGS…`.
pub fn play(lab: &Lab, playbook: &Path, args: &[&str]) -> Output {
    let mut command = lab.herd(&["play", playbook.to_str().unwrap()]);
    command.args(args);
    command.output().unwrap()
}

/// What herd wrote to standard output.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// What herd wrote to standard error.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Asserts the exit code, showing what herd said when it differs.
pub fn assert_exit(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        stdout(out),
        stderr(out)
    );
}

/// The PLAY RECAP's counts: host → (`ok`, `changed`, … → count).
pub fn recap(out: &Output) -> HashMap<String, HashMap<String, usize>> {
    let text = stderr(out);
    let mut rows = HashMap::new();
    for line in text
        .lines()
        .skip_while(|line| *line != "PLAY RECAP")
        .skip(1)
    {
        let Some((host, counts)) = line.split_once(" : ") else {
            break;
        };
        let counts = counts
            .split_whitespace()
            .filter_map(|cell| cell.split_once('='))
            .map(|(key, value)| (key.to_owned(), value.parse().unwrap()))
            .collect();
        rows.insert(host.trim().to_owned(), counts);
    }
    assert!(!rows.is_empty(), "no PLAY RECAP in:\n{text}");
    rows
}

/// The count `key` of every host in the recap, summed.
pub fn total(out: &Output, key: &str) -> usize {
    recap(out).values().map(|counts| counts[key]).sum()
}
