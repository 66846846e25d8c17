//! Templating: minijinja with Ansible's habits, strict about undefined variables.
//!
//! [`Templates`] renders `{{ … }}` text (commands, paths, template files) and evaluates
//! `when:`/`until:` expressions for one host at a time. Undefined variables are errors
//! that name the variable, the step, the host and the playbook line. Auto-escaping is
//! off (this is shell and config text, not HTML); a single trailing newline is kept
//! and block tags trim their newline, as in Ansible.
//!
//! Filters beyond minijinja's builtins (`default`, `join`, `lower`, …):
//! `quote` (POSIX shell quoting: the safe way to put a variable into a `run:` command),
//! `basename`, `dirname`, `to_json`, `b64encode`, `b64decode`.
//!
//! [`referenced_variables`] tells the planner which variables a template reads;
//! [`mask_secrets`] gives it a context in which secrets show as `********`.

mod error;
mod filters;
mod origin;
mod secrets;
mod vars;

pub use crate::secret::is_secret_key;
pub use error::{SyntaxError, TemplateError};
pub use minijinja::Value;
pub use origin::Origin;
pub use secrets::{mask_secret_vars, mask_secrets};
pub use vars::{referenced_variables, referenced_variables_in_expr};

use error::{Inside, detail_of};
use minijinja::syntax::SyntaxConfig;
use minijinja::{AutoEscape, Environment, ErrorKind, UndefinedBehavior};

/// The template environment herd renders with. Build it once and share it: it is
/// `Send + Sync` and rendering does not mutate it.
pub struct Templates {
    env: Environment<'static>,
}

impl Default for Templates {
    fn default() -> Self {
        Self::new()
    }
}

impl Templates {
    /// An environment with strict undefined, no auto-escape, and herd's filters.
    pub fn new() -> Self {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_auto_escape_callback(|_| AutoEscape::None);
        env.set_syntax(
            SyntaxConfig::builder()
                .trim_blocks(true)
                .keep_trailing_newline(true)
                .build()
                .expect("the default delimiters are a valid syntax"),
        );
        env.set_debug(true);
        filters::register(&mut env);
        Templates { env }
    }

    /// Renders a template written inline in a playbook (`run:`, `dest:`, …).
    pub fn render_str(
        &self,
        template: &str,
        ctx: &Value,
        origin: &Origin,
    ) -> Result<String, TemplateError> {
        self.render(None, template, ctx, origin)
    }

    /// Renders the contents of a template file (`put: {template: true}`); errors point
    /// into the file as `name:line` besides the step's origin.
    pub fn render_file(
        &self,
        name: &str,
        source: &str,
        ctx: &Value,
        origin: &Origin,
    ) -> Result<String, TemplateError> {
        self.render(Some(name), source, ctx, origin)
    }

    /// Evaluates a `when:`/`until:` expression (no `{{ }}`) to a boolean, by Jinja
    /// truthiness. An expression whose result is undefined is an error, not `false`.
    pub fn eval_condition(
        &self,
        expr: &str,
        ctx: &Value,
        origin: &Origin,
    ) -> Result<bool, TemplateError> {
        Ok(self.eval_value(expr, ctx, origin)?.is_true())
    }

    /// Evaluates an expression (no `{{ }}`) to its value (`loop: "{{ packages }}"`
    /// yields the list itself, not its text). An undefined result is an error.
    pub fn eval_value(
        &self,
        expr: &str,
        ctx: &Value,
        origin: &Origin,
    ) -> Result<Value, TemplateError> {
        let inside = Inside {
            file: None,
            line: None,
            multiline: false,
        };
        let fail = |err: minijinja::Error| {
            let used = referenced_paths_in_expr(&self.env, expr);
            convert(err, expr, used, ctx, origin, &inside)
        };
        let compiled = self.env.compile_expression(expr).map_err(fail)?;
        let value = compiled.eval(ctx.clone()).map_err(fail)?;
        if value.is_undefined() {
            return Err(fail(minijinja::Error::from(ErrorKind::UndefinedError)));
        }
        Ok(value)
    }

    /// Whether `name` is a global function or value of the environment (`range`,
    /// `dict`, `namespace`, …) rather than a variable a context must give.
    pub fn is_global(&self, name: &str) -> bool {
        self.env.globals().any(|(global, _)| global == name)
    }

    fn render(
        &self,
        file: Option<&str>,
        source: &str,
        ctx: &Value,
        origin: &Origin,
    ) -> Result<String, TemplateError> {
        let name = file.unwrap_or("<inline>");
        let fail = |err: minijinja::Error| {
            let inside = Inside {
                file,
                line: err.line(),
                multiline: source.contains('\n'),
            };
            let used = self
                .env
                .template_from_named_str(name, source)
                .map(|template| template.undeclared_variables(true))
                .unwrap_or_default();
            convert(err, source, used, ctx, origin, &inside)
        };
        let template = self
            .env
            .template_from_named_str(name, source)
            .map_err(fail)?;
        template.render(ctx.clone()).map_err(fail)
    }
}

/// The dotted paths an expression reads, for naming an undefined one.
fn referenced_paths_in_expr(
    env: &Environment<'static>,
    expr: &str,
) -> std::collections::HashSet<String> {
    env.compile_expression(expr)
        .map(|compiled| compiled.undeclared_variables(true))
        .unwrap_or_default()
}

/// Turns a minijinja error into a [`TemplateError`] that says where and, for an
/// undefined value, which variable.
fn convert(
    err: minijinja::Error,
    source: &str,
    used: std::collections::HashSet<String>,
    ctx: &Value,
    origin: &Origin,
    inside: &Inside<'_>,
) -> TemplateError {
    let at = format!("{origin}{inside}");
    match err.kind() {
        ErrorKind::UndefinedError => {
            let failed = err.range().and_then(|range| source.get(range));
            TemplateError::Undefined {
                at,
                name: vars::undefined_name(failed, used, ctx),
            }
        }
        ErrorKind::SyntaxError => TemplateError::Syntax {
            at,
            detail: detail_of(&err),
        },
        _ => TemplateError::Render {
            at,
            detail: detail_of(&err),
        },
    }
}

#[cfg(test)]
mod tests;
