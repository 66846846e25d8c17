//! `--tags` and `--skip-tags`, with Ansible's special tags.

/// Which steps `--tags` / `--skip-tags` let run.
///
/// As in Ansible: with no `--tags`, every step runs except those tagged `never`. With
/// `--tags`, a step runs if it has one of the tags, or is tagged `always`; `all` selects
/// every step not tagged `never`, `tagged` every step with a tag, `untagged` every step
/// without. A `never` step runs only when one of its tags (or `never`) is asked for by
/// name. `--skip-tags` then removes steps with any of its tags (`tagged`, `untagged` as
/// above); `--skip-tags all` removes every step but those tagged `always`, unless
/// `always` is skipped too.
#[derive(Debug, Clone, Default)]
pub(super) struct TagFilter {
    only: Vec<String>,
    skip: Vec<String>,
}

impl TagFilter {
    /// A filter from the option values; each value may hold comma-separated tags.
    pub fn new(only: &[String], skip: &[String]) -> Self {
        TagFilter {
            only: split(only),
            skip: split(skip),
        }
    }

    /// `--tags`, one tag per entry.
    pub fn only(&self) -> &[String] {
        &self.only
    }

    /// `--skip-tags`, one tag per entry.
    pub fn skip(&self) -> &[String] {
        &self.skip
    }

    /// `None` when a step with these tags runs, else why it does not.
    pub fn excludes(&self, tags: &[String]) -> Option<String> {
        let has = |tag: &str| tags.iter().any(|t| t == tag);
        let never = has("never");
        let always = has("always");
        if self.only.is_empty() {
            if never && !always {
                return Some("tagged `never`; give --tags with one of its tags to run it".into());
            }
        } else {
            let only = |tag: &str| self.only.iter().any(|t| t == tag);
            let selected = always
                || tags.iter().any(|tag| only(tag))
                || (!never && only("all"))
                || (!never && !tags.is_empty() && only("tagged"))
                || (tags.is_empty() && only("untagged"));
            if !selected {
                return Some(format!("not selected by --tags {}", self.only.join(",")));
            }
        }
        let skip = |tag: &str| self.skip.iter().any(|t| t == tag);
        let skipped = if skip("all") {
            !always || skip("always")
        } else {
            tags.iter().any(|tag| skip(tag))
                || (!tags.is_empty() && skip("tagged"))
                || (tags.is_empty() && skip("untagged"))
        };
        skipped.then(|| format!("left out by --skip-tags {}", self.skip.join(",")))
    }
}

/// Every comma-separated, trimmed, non-empty tag of `values`.
fn split(values: &[String]) -> Vec<String> {
    values
        .iter()
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .filter(|tag| !tag.is_empty())
        .map(str::to_owned)
        .collect()
}
