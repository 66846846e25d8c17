use super::*;
use minijinja::context;

fn origin() -> Origin {
    Origin::new("site.yml", 12)
        .with_step("Show disk")
        .with_host("web03")
}

fn render(template: &str, ctx: Value) -> Result<String, TemplateError> {
    Templates::new().render_str(template, &ctx, &origin())
}

fn when(expr: &str, ctx: Value) -> Result<bool, TemplateError> {
    Templates::new().eval_condition(expr, &ctx, &origin())
}

#[test]
fn renders_variables_and_filters() {
    let ctx = context! { data_dir => "/srv/my data", app => "shop", port => 8080 };
    assert_eq!(
        render("df -h {{ data_dir | quote }}", ctx.clone()).unwrap(),
        "df -h '/srv/my data'"
    );
    assert_eq!(render("{{ app }}:{{ port }}", ctx).unwrap(), "shop:8080");
}

#[test]
fn does_not_html_escape() {
    let ctx = context! { cmd => "a < b && echo \"x\" > 'f'" };
    assert_eq!(
        render("{{ cmd }}", ctx).unwrap(),
        "a < b && echo \"x\" > 'f'"
    );
}

#[test]
fn keeps_the_trailing_newline_of_a_file() {
    let out = Templates::new()
        .render_file(
            "motd.j2",
            "{% if true %}\nhello {{ who }}\n{% endif %}\n",
            &context! { who => "web01" },
            &origin(),
        )
        .unwrap();
    assert_eq!(out, "hello web01\n");
}

#[test]
fn undefined_variable_names_variable_step_host_and_line() {
    let err = render("df -h {{ data_dirr }}", context! { data_dir => "/d" }).unwrap_err();
    assert_eq!(
        err.to_string(),
        "site.yml:12: step 'Show disk' on host web03: undefined variable `data_dirr`"
    );
    assert_eq!(
        err,
        TemplateError::Undefined {
            at: "site.yml:12: step 'Show disk' on host web03".into(),
            name: "data_dirr".into()
        }
    );
}

#[test]
fn undefined_variable_inside_a_filter_is_named() {
    let err = render("df -h {{ data_dirr | quote }}", context! {}).unwrap_err();
    assert!(
        err.to_string().ends_with("undefined variable `data_dirr`"),
        "{err}"
    );
}

#[test]
fn undefined_attribute_of_a_loop_variable_is_named() {
    let ctx = context! { items => vec![context! { a => 1 }] };
    let err = render("{% for x in items %}{{ x.b }}{% endfor %}", ctx).unwrap_err();
    assert!(
        err.to_string().ends_with("undefined variable `x.b`"),
        "{err}"
    );
}

#[test]
fn undefined_attribute_is_named_with_its_path() {
    let ctx = context! { disk => context! { stdout => "ok" } };
    let err = render("{{ disk.stdoutt }}", ctx).unwrap_err();
    assert!(
        err.to_string()
            .ends_with("undefined variable `disk.stdoutt`"),
        "{err}"
    );
}

#[test]
fn undefined_in_a_template_file_points_into_the_file() {
    let err = Templates::new()
        .render_file(
            "files/motd.j2",
            "line one\nport {{ prot }}\n",
            &context! { port => 1 },
            &origin(),
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "site.yml:12: step 'Show disk' on host web03, in files/motd.j2:2: undefined variable `prot`"
    );
}

#[test]
fn default_filter_works_for_undefined_under_strict_mode() {
    let ctx = context! { empty => "", disk => context! { rc => 0 } };
    assert_eq!(
        render("{{ nope | default('x') }}", ctx.clone()).unwrap(),
        "x"
    );
    assert_eq!(
        render("{{ disk.nope | default('x') }}", ctx.clone()).unwrap(),
        "x"
    );
    assert_eq!(
        render("{{ empty | default('x') }}", ctx.clone()).unwrap(),
        ""
    );
    assert_eq!(
        render("{{ empty | default('x', true) }}", ctx.clone()).unwrap(),
        "x"
    );
    assert_eq!(render("{{ disk.rc | default(1) }}", ctx).unwrap(), "0");
}

#[test]
fn join_and_path_filters() {
    let ctx = context! { xs => vec!["a", "b"], path => "/var/log/shop.log" };
    assert_eq!(
        render(
            "{{ xs | join(',') }} {{ path | basename }} {{ path | dirname }}",
            ctx
        )
        .unwrap(),
        "a,b shop.log /var/log"
    );
}

#[test]
fn json_and_base64_filters() {
    let ctx = context! { vars => context! { port => 8080 }, s => "shop" };
    assert_eq!(
        render(
            "{{ vars | to_json }} {{ s | b64encode }} {{ 'c2hvcA==' | b64decode }}",
            ctx
        )
        .unwrap(),
        r#"{"port":8080} c2hvcA== shop"#
    );
}

#[test]
fn filter_failure_is_a_render_error_with_origin() {
    let err = render("{{ 'a' ~ x | b64decode }}", context! { x => "%%%" }).unwrap_err();
    assert!(matches!(err, TemplateError::Render { .. }), "{err:?}");
    assert!(
        err.to_string()
            .starts_with("site.yml:12: step 'Show disk' on host web03: ")
    );
}

#[test]
fn syntax_error_is_reported_as_such() {
    let err = render("echo {{ x", context! { x => 1 }).unwrap_err();
    assert!(matches!(err, TemplateError::Syntax { .. }), "{err:?}");
}

#[test]
fn conditions_evaluate_by_truthiness() {
    let ctx = context! { group_names => vec!["web_clusters"], disk => context! { rc => 0 } };
    assert!(when("'web_clusters' in group_names", ctx.clone()).unwrap());
    assert!(!when("'db_servers' in group_names", ctx.clone()).unwrap());
    assert!(when("disk.rc == 0", ctx.clone()).unwrap());
    assert!(when("nope is not defined", ctx.clone()).unwrap());
    assert!(!when("nope | default(false)", ctx).unwrap());
}

#[test]
fn condition_on_undefined_variable_is_an_error() {
    let err = when("disk.rcc == 0", context! { disk => context! { rc => 0 } }).unwrap_err();
    assert!(
        err.to_string().ends_with("undefined variable `disk.rcc`"),
        "{err}"
    );
    let err = when("missing", context! {}).unwrap_err();
    assert!(
        err.to_string().ends_with("undefined variable `missing`"),
        "{err}"
    );
}

#[test]
fn rendering_a_masked_context_hides_secrets() {
    let ctx = context! { db_password => "hunter2", user => "app" };
    let shown = render(
        "mysql -u {{ user }} -p{{ db_password }}",
        mask_secrets(&ctx),
    )
    .unwrap();
    assert_eq!(shown, "mysql -u app -p********");
}

#[test]
fn errors_never_contain_values() {
    let ctx = context! { db_password => "hunter2" };
    let err = render("{{ db_password + 1 }}", ctx).unwrap_err();
    assert!(!err.to_string().contains("hunter2"), "{err}");
}

#[test]
fn templates_can_be_shared_between_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Templates>();
}

#[test]
fn dict2items_lists_key_value_pairs_as_ansible() {
    let ctx = context! { users => context! { ann => 1, bob => "x" } };
    assert_eq!(
        render(
            "{% for u in users | dict2items %}{{ u.key }}={{ u.value }};{% endfor %}",
            ctx
        )
        .unwrap(),
        "ann=1;bob=x;"
    );
    let err = render("{{ [1] | dict2items }}", context! {}).unwrap_err();
    assert!(
        err.to_string()
            .contains("dict2items: expects a mapping, got sequence"),
        "{err}"
    );
}
