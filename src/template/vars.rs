//! Which variables a template uses, and which of them is missing for a host.

use super::SyntaxError;
use minijinja::{Environment, Value};
use std::collections::HashSet;
use std::sync::LazyLock;

/// A bare environment, only for parsing: variable analysis needs no filters.
static PARSER: LazyLock<Environment<'static>> = LazyLock::new(Environment::new);

/// The top-level variables a template (`{{ … }}` text) reads from its context.
///
/// The planner uses this to tell whether a template depends on a `register`ed result,
/// in which case it must be rendered at run time rather than at plan time. Names the
/// template assigns itself (`{% set %}`, loop variables) are not included; global
/// functions it calls (`range`) are.
pub fn referenced_variables(template: &str) -> Result<HashSet<String>, SyntaxError> {
    let template = PARSER.template_from_str(template)?;
    Ok(template.undeclared_variables(false))
}

/// The top-level variables an expression (a `when:` or `until:`, no `{{ }}`) reads.
pub fn referenced_variables_in_expr(expr: &str) -> Result<HashSet<String>, SyntaxError> {
    let expr = PARSER.compile_expression(expr)?;
    Ok(expr.undeclared_variables(false))
}

/// Names the variable an undefined-value error is about.
///
/// `failed` is the source text minijinja points at (when it can: a variable, but for a
/// filter's argument it is the filter's name); `used` are the dotted paths the template
/// reads from its context. Prefers the pointed-at text when it is a path into a variable
/// the template reads, then the first used path that `ctx` lacks, then whatever was
/// pointed at (a loop variable's attribute, say).
pub(super) fn undefined_name(failed: Option<&str>, used: HashSet<String>, ctx: &Value) -> String {
    let failed = failed.map(str::trim).filter(|text| !text.is_empty());
    let reads = |text: &str| {
        let root = text.split('.').next().unwrap_or(text);
        used.iter().any(|path| path.split('.').next() == Some(root))
    };
    if let Some(text) = failed.filter(|text| is_variable_path(text) && reads(text)) {
        return text.to_owned();
    }
    let mut used: Vec<String> = used.into_iter().collect();
    used.sort();
    if let Some(missing) = used.into_iter().find(|path| !is_defined(ctx, path)) {
        return missing;
    }
    failed.unwrap_or("(unknown)").to_owned()
}

/// `a`, `a.b`, `a_1.b2.c`: identifiers joined by dots.
fn is_variable_path(text: &str) -> bool {
    text.split('.').all(|part| {
        let mut chars = part.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// Whether the dotted `path` resolves to a defined value in `ctx`.
fn is_defined(ctx: &Value, path: &str) -> bool {
    let mut value = ctx.clone();
    for part in path.split('.') {
        match value.get_attr(part) {
            Ok(next) if !next.is_undefined() => value = next,
            _ => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use minijinja::context;

    fn set(names: &[&str]) -> HashSet<String> {
        names.iter().map(|name| name.to_string()).collect()
    }

    #[test]
    fn lists_top_level_variables_of_a_template() {
        let used = referenced_variables(
            "df -h {{ data_dir | quote }} {% if disk.rc == 0 %}{{ disk.stdout }}{% endif %}\
             {% for x in items %}{{ x }}{% endfor %}{% set y = 1 %}{{ y }}",
        )
        .unwrap();
        assert_eq!(used, set(&["data_dir", "disk", "items"]));
    }

    #[test]
    fn lists_variables_of_an_expression() {
        let used = referenced_variables_in_expr("'web' in group_names and disk.rc == 0").unwrap();
        assert_eq!(used, set(&["group_names", "disk"]));
    }

    #[test]
    fn reports_syntax_errors_with_their_line() {
        let err = referenced_variables("ok\n{{ broken").unwrap_err();
        assert_eq!(err.line, 2);
        assert!(
            err.to_string()
                .starts_with("syntax error on template line 2: "),
            "{err}"
        );
        assert!(referenced_variables_in_expr("a ==").is_err());
    }

    #[test]
    fn names_the_missing_variable() {
        let ctx = context! { disk => context! { rc => 0 } };
        assert_eq!(
            undefined_name(Some(" data_dirr "), set(&["data_dirr"]), &ctx),
            "data_dirr"
        );
        assert_eq!(
            undefined_name(Some("quote"), set(&["data_dirr"]), &ctx),
            "data_dirr"
        );
        assert_eq!(
            undefined_name(Some("x | quote"), set(&["disk.rc", "disk.out"]), &ctx),
            "disk.out"
        );
        assert_eq!(
            undefined_name(Some("x | quote"), set(&["disk.rc"]), &ctx),
            "x | quote"
        );
        assert_eq!(undefined_name(None, set(&[]), &ctx), "(unknown)");
    }
}
