//! Masking secret-valued variables so a rendered preview never shows them.
//!
//! The planner renders every template twice when it shows a plan: once with the real
//! context (what is sent to the host) and once with [`mask_secrets`] applied (what is
//! printed by `--plan`, logs and JSON). A variable is secret when its name matches
//! [`is_secret_key`], at any depth of the context (`vault.db_password` too).

use crate::secret::{MASK, is_secret_key};
use minijinja::Value;
use minijinja::value::ValueKind;

/// A copy of `ctx` in which the value of every secret key (see [`is_secret_key`]) is
/// replaced by `********`, in nested maps and lists too. Other values are kept.
pub fn mask_secrets(ctx: &Value) -> Value {
    match ctx.kind() {
        ValueKind::Map => {
            let Ok(keys) = ctx.try_iter() else {
                return ctx.clone();
            };
            Value::from_pairs(keys.map(|key| {
                let masked = if key.as_str().is_some_and(is_secret_key) {
                    Value::from(MASK)
                } else {
                    mask_secrets(&ctx.get_item(&key).unwrap_or_default())
                };
                (key, masked)
            }))
        }
        ValueKind::Seq => match ctx.try_iter() {
            Ok(items) => items.map(|item| mask_secrets(&item)).collect(),
            Err(_) => ctx.clone(),
        },
        _ => ctx.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use minijinja::context;

    #[test]
    fn masks_nested_secret_values_only() {
        let ctx = context! {
            user => "deploy",
            db_password => "hunter2",
            port => 8080,
            vault => context! { api_pass => "s3cret", region => "eu" },
            accounts => vec![context! { password => "p", name => "a" }],
        };
        let masked = mask_secrets(&ctx);
        let json = serde_json::to_string(&masked).unwrap();
        assert!(
            !json.contains("hunter2") && !json.contains("s3cret"),
            "{json}"
        );
        assert_eq!(masked.get_attr("db_password").unwrap().as_str(), Some(MASK));
        assert_eq!(masked.get_attr("user").unwrap().as_str(), Some("deploy"));
        assert_eq!(masked.get_attr("port").unwrap(), Value::from(8080));
        let vault = masked.get_attr("vault").unwrap();
        assert_eq!(vault.get_attr("api_pass").unwrap().as_str(), Some(MASK));
        assert_eq!(vault.get_attr("region").unwrap().as_str(), Some("eu"));
        let first = masked
            .get_attr("accounts")
            .unwrap()
            .get_item_by_index(0)
            .unwrap();
        assert_eq!(first.get_attr("password").unwrap().as_str(), Some(MASK));
    }
}
