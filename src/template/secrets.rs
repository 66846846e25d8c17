//! Masking secret-valued variables so a rendered preview never shows them.
//!
//! The planner renders every template twice when it shows a plan: once with the real
//! context (what is sent to the host) and once with [`mask_secrets`] applied (what is
//! printed by `--plan`, logs and JSON). A variable is secret when its name matches
//! [`is_secret_key`], at any depth of the context (`vault.db_password` too), and when
//! it came from ansible-vault ([`mask_secret_vars`] with the [`SecretVars`] its loader
//! marked). Because previews render from the masked context, a secret stays masked in
//! whatever a template makes of it (`db://app:{{ db_pass }}@db` shows `********`).

use crate::secret::{MASK, SecretVars, is_secret_key};
use minijinja::Value;
use minijinja::value::ValueKind;

/// A copy of `ctx` in which the value of every secret key (see [`is_secret_key`]) is
/// replaced by `********`, in nested maps and lists too. Other values are kept.
pub fn mask_secrets(ctx: &Value) -> Value {
    mask_secret_vars(ctx, &SecretVars::default())
}

/// [`mask_secrets`], also masking the values `secret` marks (ansible-vault values).
/// A marked map or list keeps its shape, each value in it masked, so a preview that
/// reads `db.user` or loops over it still renders.
pub fn mask_secret_vars(ctx: &Value, secret: &SecretVars) -> Value {
    match ctx.kind() {
        ValueKind::Map => {
            let Ok(keys) = ctx.try_iter() else {
                return ctx.clone();
            };
            Value::from_pairs(keys.map(|key| {
                let masked = match key.as_str() {
                    Some(name) if is_secret_key(name) => Value::from(MASK),
                    name => mask_part(
                        &ctx.get_item(&key).unwrap_or_default(),
                        secret,
                        &name.map_or_else(|| key.to_string(), str::to_owned),
                    ),
                };
                (key, masked)
            }))
        }
        ValueKind::Seq => match ctx.try_iter() {
            Ok(items) => items
                .enumerate()
                .map(|(index, item)| mask_part(&item, secret, &index.to_string()))
                .collect(),
            Err(_) => ctx.clone(),
        },
        _ if secret.is_whole() => Value::from(MASK),
        _ => ctx.clone(),
    }
}

/// `value`, found at `key` of a value whose secrets are `secret`, masked.
fn mask_part(value: &Value, secret: &SecretVars, key: &str) -> Value {
    if secret.is_whole() {
        mask_secret_vars(value, secret)
    } else {
        mask_secret_vars(value, secret.part(key))
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

    #[test]
    fn masks_marked_values_whatever_their_names() {
        let ctx = context! {
            token => "tok-1",
            user => "deploy",
            db => context! { user => "app", pin => 1234, hosts => vec!["a", "b"] },
            keys => vec!["k0", "k1"],
        };
        let path = |parts: &[&str]| parts.iter().map(|p| p.to_string()).collect::<Vec<_>>();
        let mut secret = SecretVars::default();
        secret.mark(&path(&["token"]));
        secret.mark(&path(&["db"]));
        secret.mark(&path(&["keys", "1"]));
        let masked = mask_secret_vars(&ctx, &secret);
        let json = serde_json::to_string(&masked).unwrap();
        for hidden in ["tok-1", "app", "1234", "k1"] {
            assert!(!json.contains(hidden), "{hidden} in {json}");
        }
        assert_eq!(masked.get_attr("token").unwrap().as_str(), Some(MASK));
        assert_eq!(masked.get_attr("user").unwrap().as_str(), Some("deploy"));
        let db = masked.get_attr("db").unwrap();
        assert_eq!(db.get_attr("pin").unwrap().as_str(), Some(MASK));
        let hosts = db.get_attr("hosts").unwrap();
        assert_eq!(hosts.len(), Some(2), "a masked list keeps its shape");
        let keys = masked.get_attr("keys").unwrap();
        assert_eq!(keys.get_item_by_index(0).unwrap().as_str(), Some("k0"));
        assert_eq!(keys.get_item_by_index(1).unwrap().as_str(), Some(MASK));
    }
}
