//! Where a template comes from, so that an error can say so.

use std::fmt;

/// The place a template or expression was written, and the host it is rendered for.
///
/// Shown at the start of every [`TemplateError`](super::TemplateError), e.g.
/// `site.yml:12: step 'Show disk' on host web03`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    /// The playbook file, as the user named it (`playbooks/site.yml`).
    pub file: String,
    /// The 1-based line of the step (or play) in `file`; 0 when unknown.
    pub line: usize,
    /// The step's display name, if the template belongs to a step.
    pub step: Option<String>,
    /// The inventory name of the host the template is rendered for.
    pub host: Option<String>,
}

impl Origin {
    /// An origin at `file:line`, with no step or host yet.
    pub fn new(file: impl Into<String>, line: usize) -> Self {
        Origin {
            file: file.into(),
            line,
            step: None,
            host: None,
        }
    }

    /// The same origin, naming the step.
    pub fn with_step(mut self, step: impl Into<String>) -> Self {
        self.step = Some(step.into());
        self
    }

    /// The same origin, naming the host.
    pub fn with_host(mut self, host: impl Into<String>) -> Self {
        self.host = Some(host.into());
        self
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
        }
        let mut sep = ": ";
        if let Some(step) = &self.step {
            write!(f, "{sep}step '{step}'")?;
            sep = " ";
        }
        if let Some(host) = &self.host {
            write!(f, "{sep}on host {host}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_file_line_step_and_host() {
        let origin = Origin::new("site.yml", 12)
            .with_step("Show disk")
            .with_host("web03");
        assert_eq!(
            origin.to_string(),
            "site.yml:12: step 'Show disk' on host web03"
        );
    }

    #[test]
    fn omits_what_is_unknown() {
        assert_eq!(Origin::new("site.yml", 0).to_string(), "site.yml");
        assert_eq!(
            Origin::new("site.yml", 3).with_host("h1").to_string(),
            "site.yml:3: on host h1"
        );
    }
}
