//! Parsing and validating whole playbooks, as a user would write them.

use super::*;
use std::time::Instant;

/// Parses `text` as `site.yml` with relative paths starting in `dir`.
fn parse_in(dir: &Path, text: &str) -> Result<Playbook, PlaybookError> {
    parse("site.yml", text, dir)
}

fn parse_ok(text: &str) -> Playbook {
    parse_in(Path::new("."), text).unwrap_or_else(|err| panic!("{err}"))
}

/// The single problem's `file:line:col: message` line (without its snippet).
fn problem(text: &str) -> String {
    let err = parse_in(Path::new("."), text).expect_err("the playbook should be refused");
    assert_eq!(err.problems.len(), 1, "{err}");
    let problem = &err.problems[0];
    format!(
        "{}:{}:{}: {}",
        problem.file, problem.line, problem.column, problem.message
    )
}

fn repo_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

#[test]
fn site_yml_loads_with_lines_vars_and_actions() {
    let book = load(&repo_path("playbooks/site.yml")).unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(book.base_dir, repo_path("playbooks"));
    let play = &book.plays[0];
    assert_eq!(play.hosts, "web_clusters:db_servers");
    assert_eq!(play.line, 8);
    assert_eq!(play.vars["app"], "shop");
    assert_eq!(play.vars["data_dir"], "/tmp", "merged from vars/demo.yml");
    assert_eq!(play.vars_files, vec![repo_path("playbooks/vars/demo.yml")]);
    assert_eq!(play.strategy, Strategy::Linear);
    let disk = &play.steps[1];
    assert_eq!(disk.label(), "Show disk usage of the data dir");
    assert_eq!(disk.line, 21);
    assert_eq!(
        disk.action,
        Action::Run("df -h {{ data_dir | quote }}".into())
    );
    assert_eq!(disk.register.as_deref(), Some("disk"));
    assert_eq!(
        disk.when,
        Some(Condition::Expr("'web_clusters' in group_names".into()))
    );
    assert_eq!(disk.tags, vec!["info"]);
    assert_eq!(disk.check_mode, Some(false));
    let Action::Put(put) = &play.steps[3].action else {
        panic!("step 4 is a put");
    };
    assert_eq!(put.mode.map(Mode::bits), Some(0o644));
    assert!(put.template);
    assert_eq!(
        book.local_path(&put.src),
        repo_path("playbooks/files/motd.j2")
    );
}

#[test]
fn every_example_playbook_loads() {
    let mut count = 0;
    for entry in std::fs::read_dir(repo_path("playbooks")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|ext| ext == "yml") {
            load(&path).unwrap_or_else(|err| panic!("{err}"));
            count += 1;
        }
    }
    assert!(
        count >= 3,
        "expected site.yml and more examples, found {count}"
    );
}

#[test]
fn rolling_yml_has_serial_and_retries() {
    let book = load(&repo_path("playbooks/rolling.yml")).unwrap_or_else(|err| panic!("{err}"));
    let play = &book.plays[0];
    assert_eq!(play.serial, Some(Serial::Percent(50)));
    assert_eq!(play.max_fail_percentage, Some(0));
    let health = &play.steps[2];
    assert_eq!(health.until.as_deref(), Some("'healthy' in health.stdout"));
    assert_eq!((health.retries, health.delay), (5, 1));
}

#[test]
fn defaults_are_filled_in() {
    let book = parse_ok("- hosts: all\n  steps:\n    - run: ls\n    - run: ls\n      until: x\n");
    let play = &book.plays[0];
    assert_eq!(
        play.name, "all",
        "a play without a name is called by its hosts"
    );
    assert_eq!((play.serial, play.strategy), (None, Strategy::Linear));
    let step = &play.steps[0];
    assert_eq!(step.label(), "run: ls");
    assert_eq!((step.retries, step.delay, step.timeout), (0, 1, None));
    assert!(!step.ignore_errors && !step.become_ && step.tags.is_empty());
    assert_eq!(
        play.steps[1].retries, 3,
        "until without retries tries 3 more times"
    );
}

#[test]
fn tags_may_be_a_string_or_a_list_and_when_a_bool_or_an_expression() {
    let book = parse_ok(
        "- hosts: all\n  steps:\n    - run: a\n      tags: one\n      when: false\n\
         \x20   - run: b\n      tags: [one, two]\n      when: x == 1\n",
    );
    let steps = &book.plays[0].steps;
    assert_eq!(steps[0].tags, vec!["one"]);
    assert_eq!(steps[0].when, Some(Condition::Bool(false)));
    assert_eq!(steps[1].tags, vec!["one", "two"]);
    assert_eq!(steps[1].when, Some(Condition::Expr("x == 1".into())));
}

#[test]
fn become_and_serial_count() {
    let book = parse_ok("- hosts: all\n  serial: 2\n  steps:\n    - run: a\n      become: true\n");
    assert_eq!(book.plays[0].serial, Some(Serial::Count(2)));
    assert!(book.plays[0].steps[0].become_);
}

#[test]
fn become_takes_every_action_and_become_user_needs_become() {
    let book = parse_ok(
        "- hosts: all\n  steps:\n    - get: {src: /etc/shadow, dest: x}\n      become: true\n      \
         become_user: postgres\n    - put: {src: Cargo.toml, dest: /etc/x, owner: root, group: '{{ g }}'}\n      \
         become: true\n",
    );
    let steps = &book.plays[0].steps;
    assert!(steps[0].become_ && steps[1].become_);
    assert_eq!(steps[0].become_user.as_deref(), Some("postgres"));
    let Action::Put(put) = &steps[1].action else {
        panic!("not a put: {:?}", steps[1].action);
    };
    assert_eq!(put.owner.as_deref(), Some("root"));
    assert_eq!(put.group.as_deref(), Some("{{ g }}"));
    let message = problem("- hosts: all\n  steps:\n    - run: id\n      become_user: postgres\n");
    assert!(
        message.starts_with("site.yml:3:7: step: has `become_user` without `become: true`"),
        "{message}"
    );
}

#[test]
fn a_plays_become_is_every_steps_default_as_in_ansible() {
    let book = parse_ok(
        "- hosts: all\n  become: true\n  become_user: postgres\n  steps:\n    - run: a\n    \
         - run: b\n      become: false\n    - run: c\n      become_user: www\n    \
         - run: d\n      delegate_to: localhost\n    - run: e\n      stdin: x\n      \
         become: false\n  handlers:\n    - name: h\n      run: f\n",
    );
    let play = &book.plays[0];
    let steps: Vec<(bool, Option<&str>)> = play
        .steps
        .iter()
        .chain(&play.handlers)
        .map(|step| (step.become_, step.become_user.as_deref()))
        .collect();
    assert_eq!(
        steps,
        [
            (true, Some("postgres")),
            (false, None),
            (true, Some("www")),
            (false, None),
            (false, None),
            (true, Some("postgres")),
        ]
    );
    let stdin = problem("- hosts: all\n  become: true\n  steps:\n    - run: cat\n      stdin: x\n");
    assert!(
        stdin.contains("has `stdin:` in a play with `become: true`"),
        "{stdin}"
    );
    let alone = problem("- hosts: all\n  become_user: postgres\n  steps:\n    - run: id\n");
    assert!(
        alone.contains("play 'all': has `become_user` without `become: true`"),
        "{alone}"
    );
}

#[test]
fn duplicate_register_names_are_allowed() {
    let book = parse_ok(
        "- hosts: all\n  steps:\n    - run: a\n      register: r\n    - run: b\n      register: r\n",
    );
    assert_eq!(book.plays[0].steps.len(), 2);
}

#[test]
fn unknown_step_key_suggests_the_closest() {
    assert_eq!(
        problem("- hosts: all\n  steps:\n    - name: Show disk\n      run: df\n      regster: d\n"),
        "site.yml:5:7: unknown key `regster` in step; did you mean `register`?"
    );
}

#[test]
fn unknown_play_and_put_keys_suggest_the_closest() {
    assert_eq!(
        problem("- hosts: all\n  stepz:\n    - run: ls\n"),
        "site.yml:2:3: unknown key `stepz` in play; did you mean `steps`?"
    );
    assert_eq!(
        problem("- hosts: all\n  steps:\n    - put: {src: a, dest: b, mod: '0644'}\n"),
        "site.yml:3:30: unknown key `mod` in put; did you mean `mode`?"
    );
}

#[test]
fn unknown_key_message_shows_the_line_with_a_caret() {
    let err = parse_in(
        Path::new("."),
        "- hosts: all\n  steps:\n    - run: ls\n      becom: true\n",
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        [
            "site.yml:4:7: unknown key `becom` in step; did you mean `become`?",
            "  |",
            "4 |       becom: true",
            "  |       ^",
        ]
        .join("\n")
    );
}

#[test]
fn a_step_with_two_actions_or_none_is_refused() {
    assert_eq!(
        problem(
            "- hosts: all\n  steps:\n    - name: Config\n      run: ls\n      put: {src: a, dest: b}\n"
        ),
        "site.yml:3:7: step 'Config': has both `run` and `put`; a step takes exactly one of run, put, get"
    );
    assert_eq!(
        problem("- hosts: all\n  steps:\n    - name: Nothing\n      register: x\n"),
        "site.yml:3:7: step 'Nothing': has none of run, put, get; a step takes exactly one"
    );
}

#[test]
fn serial_zero_and_bad_percentages_are_refused() {
    assert_eq!(
        problem("- hosts: all\n  serial: 0\n  steps:\n    - run: ls\n"),
        "site.yml:2:3: invalid value: integer `0`, expected a host count of at least 1, \
         or a percentage from \"1%\" to \"100%\""
    );
    let bad_percent = problem("- hosts: all\n  serial: 150%\n  steps:\n    - run: ls\n");
    assert!(
        bad_percent.starts_with("site.yml:2:3: invalid value: string"),
        "{bad_percent}"
    );
}

#[test]
fn max_fail_percentage_over_100_is_refused() {
    assert_eq!(
        problem(
            "- name: Deploy\n  hosts: all\n  max_fail_percentage: 101\n  steps:\n    - run: ls\n"
        ),
        "site.yml:1:3: play 'Deploy': has max_fail_percentage 101; use a value from 0 to 100"
    );
}

#[test]
fn empty_hosts_and_empty_steps_are_refused() {
    assert_eq!(
        problem("- name: Deploy\n  hosts: ''\n  steps:\n    - run: ls\n"),
        "site.yml:1:3: play 'Deploy': has an empty `hosts`; name a group, a host, or `all`"
    );
    assert_eq!(
        problem("- name: Deploy\n  hosts: all\n  steps: []\n"),
        "site.yml:1:3: play 'Deploy': has no steps; give it at least one under `steps:`"
    );
}

#[test]
fn every_validation_problem_is_reported_at_once() {
    let err = parse_in(
        Path::new("."),
        "- hosts: ''\n  steps:\n    - run: a\n      timeout: 0\n    - register: 1x\n      run: b\n",
    )
    .unwrap_err();
    let lines: Vec<String> = err
        .problems
        .iter()
        .map(|p| format!("{}:{}", p.line, p.message))
        .collect();
    assert_eq!(
        lines,
        [
            "1:play: has an empty `hosts`; name a group, a host, or `all`",
            "3:step: has timeout 0; use at least 1 second, or leave it out",
            "5:step: has register `1x`, which is not a variable name; use letters, digits and \
             `_`, not starting with a digit",
        ]
    );
}

#[test]
fn conditions_and_templates_are_checked_for_syntax() {
    assert_eq!(
        problem("- hosts: all\n  steps:\n    - run: ls\n      when: '{{ x }}'\n"),
        "site.yml:3:7: step: has `when: {{ x }}`; `when` is already an expression, write it \
         without {{ }} (e.g. `when: disk.rc == 0`)"
    );
    let until = problem("- hosts: all\n  steps:\n    - run: ls\n      until: 'x =='\n");
    assert!(
        until.starts_with("site.yml:3:7: step: has an invalid `until` expression: syntax error"),
        "{until}"
    );
    let run = problem("- hosts: all\n  steps:\n    - run: echo {{ x\n");
    assert!(
        run.starts_with("site.yml:3:7: step: has an invalid `run` template: syntax error"),
        "{run}"
    );
}

#[test]
fn bad_mode_is_refused_with_a_hint_to_quote_it() {
    let unquoted =
        problem("- hosts: all\n  steps:\n    - put: {src: '{{ a }}', dest: b, mode: 0644}\n");
    assert!(
        unquoted.contains("a quoted octal mode such as \"0644\""),
        "{unquoted}"
    );
    let too_big =
        problem("- hosts: all\n  steps:\n    - put: {src: '{{ a }}', dest: b, mode: '17777'}\n");
    assert!(
        too_big.starts_with("site.yml:3:38: invalid value"),
        "{too_big}"
    );
}

#[test]
fn missing_put_src_and_vars_file_name_the_step_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let err = parse_in(
        dir.path(),
        "- name: P\n  hosts: all\n  vars_files:\n    - vars/nope.yml\n  steps:\n\
         \x20   - name: Config\n      put: {src: files/app.conf, dest: /etc/app.conf}\n",
    )
    .unwrap_err();
    let messages: Vec<String> = err.problems.iter().map(ToString::to_string).collect();
    let vars = dir.path().join("vars/nope.yml");
    let src = dir.path().join("files/app.conf");
    assert!(
        messages[0].starts_with(&format!(
            "site.yml:4:7: play 'P': vars file {} does not exist",
            vars.display()
        )),
        "{}",
        messages[0]
    );
    assert!(
        messages[1].starts_with(&format!(
            "site.yml:6:7: step 'Config': put src {} does not exist",
            src.display()
        )),
        "{}",
        messages[1]
    );
}

#[test]
fn templated_put_src_is_checked_at_plan_time_instead() {
    let book = parse_ok(
        "- hosts: all\n  steps:\n    - put: {src: 'files/{{ inventory_hostname }}.conf', dest: /etc/x}\n",
    );
    assert_eq!(book.plays[0].steps.len(), 1);
}

#[test]
fn vars_files_merge_in_order_over_vars() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.yml"), "x: 1\ny: 1\n").unwrap();
    std::fs::write(dir.path().join("b.yml"), "y: 2\nz: {deep: [1, 2]}\n").unwrap();
    let book = parse_in(
        dir.path(),
        "- hosts: all\n  vars: {w: 0, x: 0}\n  vars_files: [a.yml, b.yml]\n  steps:\n    - run: ls\n",
    )
    .unwrap();
    let vars = &book.plays[0].vars;
    assert_eq!(
        serde_json::Value::Object(vars.clone()),
        serde_json::json!({"w": 0, "x": 1, "y": 2, "z": {"deep": [1, 2]}})
    );
}

#[test]
fn variable_names_must_be_identifiers() {
    assert_eq!(
        problem("- hosts: all\n  vars: {app-name: x}\n  steps:\n    - run: ls\n"),
        "site.yml:1:3: play 'all': has variable `app-name`, which templates cannot name; use \
         letters, digits and `_`, not starting with a digit"
    );
}

#[test]
fn not_a_list_of_plays_is_refused() {
    assert_eq!(
        problem("hosts: all\n"),
        "site.yml:1:1: invalid type: map, expected a list of plays, each starting with `- hosts: …`"
    );
    let empty = parse_in(Path::new("."), "# nothing\n")
        .unwrap_err()
        .to_string();
    assert_eq!(
        empty,
        "site.yml: the playbook has no plays; it should be a list of plays (`- hosts: …`)"
    );
}

#[test]
fn duplicate_keys_are_refused() {
    let dup = problem("- hosts: all\n  hosts: web\n  steps:\n    - run: ls\n");
    assert!(dup.contains("duplicate"), "{dup}");
}

#[test]
fn yaml_syntax_errors_have_a_position() {
    let err = problem("- hosts: all\n  steps:\n    - run: [ls\n");
    assert!(err.starts_with("site.yml:3:"), "{err}");
}

#[test]
fn alias_bomb_is_refused_quickly() {
    // Each level doubles: 2^40 `lol`s if expanded.
    let mut text = String::from("- hosts: all\n  vars:\n    a0: &a0 [lol, lol]\n");
    for i in 1..=40 {
        text.push_str(&format!("    a{i}: &a{i} [*a{p}, *a{p}]\n", p = i - 1));
    }
    text.push_str("  steps:\n    - run: ls\n");
    let started = Instant::now();
    let err = parse_in(Path::new("."), &text).unwrap_err().to_string();
    assert!(err.starts_with("site.yml:"), "{err}");
    assert!(
        started.elapsed().as_secs() < 30,
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn deep_nesting_is_refused() {
    for depth in [100, 100_000] {
        let text = format!(
            "- hosts: all\n  vars:\n    deep: {}{}\n  steps:\n    - run: ls\n",
            "[".repeat(depth),
            "]".repeat(depth)
        );
        let err = problem(&text);
        assert!(
            err.starts_with("site.yml:3:")
                && err.ends_with(": nested deeper than 64 levels of lists and mappings"),
            "{err}"
        );
    }
}

#[test]
fn thousands_of_problems_each_get_their_own_line() {
    // Each problem used to scan the text from the top for its snippet: quadratic, and
    // minutes for a few megabytes of bad plays.
    let plays = 20_000;
    let text = "- hosts: ''\n  steps: []\n".repeat(plays);
    let err = parse_in(Path::new("."), &text).expect_err("every play is bad");
    assert_eq!(err.problems.len(), 2 * plays);
    let last = err.problems.last().unwrap();
    assert_eq!((last.line, last.column), (2 * plays - 1, 3));
    let snippet = last.snippet.as_deref().unwrap();
    assert!(snippet.contains("39999 | - hosts: ''"), "{snippet}");
}

#[test]
fn more_than_one_document_is_refused() {
    assert_eq!(
        problem("- hosts: all\n  steps:\n    - run: ls\n---\n- hosts: b\n"),
        "site.yml:4:1: more than one YAML document (`---`); a playbook is one list of plays"
    );
}

#[test]
fn a_missing_key_is_named() {
    assert_eq!(
        problem("- hosts: all\n"),
        "site.yml:1:3: missing key `steps`"
    );
}

#[test]
fn a_huge_line_is_handled() {
    let value = "x".repeat(8 * 1024 * 1024);
    let text = format!("- hosts: all\n  vars: {{big: {value}}}\n  steps:\n    - run: ls\n");
    let book = parse_ok(&text);
    assert_eq!(
        book.plays[0].vars["big"].as_str().map(str::len),
        Some(value.len())
    );
}

#[test]
fn text_over_the_limit_is_refused_before_parsing() {
    let text = "#".repeat(MAX_FILE_BYTES as usize + 1);
    let err = parse_in(Path::new("."), &text).unwrap_err().to_string();
    assert!(
        err.contains("files over 10485760 bytes (10 MiB) are refused"),
        "{err}"
    );
}

#[test]
fn snippets_never_show_secret_values() {
    let err = parse_in(
        Path::new("."),
        "- hosts: all\n  vars: {db_password: hunter2, bad-name: 1}\n  steps:\n    - run: ls\n",
    )
    .unwrap_err()
    .to_string();
    assert!(!err.contains("hunter2"), "{err}");
}

/// site.yml's templates render for a lab host with the variables herd provides, and its
/// template file is what the host gets.
#[test]
fn site_yml_renders_for_a_web_host() {
    use crate::template::{Origin, Templates, Value};
    let book = load(&repo_path("playbooks/site.yml")).unwrap_or_else(|err| panic!("{err}"));
    let play = &book.plays[0];
    let mut vars = play.vars.clone();
    vars.insert("inventory_hostname".into(), "h1".into());
    vars.insert("group_names".into(), serde_json::json!(["web_clusters"]));
    let ctx = Value::from(minijinja::value::Serde(vars));
    let templates = Templates::new();
    let origin = |step: &Step| Origin::new("site.yml", step.line).with_step(step.label());
    let render = |step: &Step, text: &str| {
        templates
            .render_str(text, &ctx, &origin(step))
            .unwrap_or_else(|err| panic!("{err}"))
    };
    for step in &play.steps {
        if let Some(Condition::Expr(expr)) = &step.when {
            assert!(templates.eval_condition(expr, &ctx, &origin(step)).unwrap());
        }
        match &step.action {
            Action::Run(command) => drop(render(step, command)),
            Action::Put(put) => {
                assert_eq!(render(step, &put.dest), "/tmp/herd-demo-h1/motd");
                let path = book.local_path(&render(step, &put.src));
                let source = std::fs::read_to_string(&path).unwrap();
                let motd = templates
                    .render_file(&put.src, &source, &ctx, &origin(step))
                    .unwrap_or_else(|err| panic!("{err}"));
                assert_eq!(
                    motd,
                    "Welcome to h1 (web_clusters).\nshop answers on port 8080.\nDeployed by herd.\n"
                );
            }
            Action::Get(get) => assert_eq!(render(step, &get.dest), "fetched/h1/"),
        }
    }
    let greeting = render(&play.steps[4], "{{ greeting | quote }}");
    assert_eq!(
        greeting,
        "'hello; it'\"'\"'s $HOME & `date`, as plain text'"
    );
}

#[test]
fn step_vars_environment_chdir_and_rules_load() {
    let book = parse_ok(concat!(
        "- hosts: all\n",
        "  steps:\n",
        "    - run: make\n",
        "      vars: {jobs: 4}\n",
        "      environment: {JOBS: \"{{ jobs }}\", DEBUG: true, LEVEL: 2}\n",
        "      chdir: /srv\n",
        "      changed_when: false\n",
        "      failed_when: \"'ERROR' in out.stdout\"\n",
        "      register: out\n",
    ));
    let step = &book.plays[0].steps[0];
    assert_eq!(step.vars["jobs"], 4);
    assert_eq!(
        step.environment,
        [
            ("DEBUG".to_owned(), "true".to_owned()),
            ("JOBS".to_owned(), "{{ jobs }}".to_owned()),
            ("LEVEL".to_owned(), "2".to_owned()),
        ]
    );
    assert_eq!(step.chdir.as_deref(), Some("/srv"));
    assert_eq!(step.changed_when, Some(Condition::Bool(false)));
    assert_eq!(
        step.failed_when,
        Some(Condition::Expr("'ERROR' in out.stdout".into()))
    );
}

#[test]
fn bad_step_vars_environment_chdir_and_rules_are_refused() {
    let cases = [
        (
            "{run: x, environment: {1X: a}}",
            "has environment variable `1X`, which a shell cannot export",
        ),
        (
            "{run: x, environment: {A: [1]}}",
            "has environment variable `A` set to a list, mapping or null",
        ),
        (
            "{put: {src: site.yml, dest: /tmp/x}, environment: {A: b}}",
            "has `environment:`, which only `run` steps take",
        ),
        (
            "{get: {src: /x, dest: d}, chdir: /tmp}",
            "has `chdir:`, which only `run` steps take",
        ),
        ("{run: x, chdir: ' '}", "has an empty `chdir`"),
        ("{run: x, chdir: '{{ a'}", "has an invalid `chdir` template"),
        (
            "{run: x, environment: {A: '{{ a'}}",
            "has an invalid `environment.A` template",
        ),
        (
            "{run: x, vars: {my-var: 1}}",
            "has variable `my-var`, which templates cannot name",
        ),
        (
            "{run: x, changed_when: '{{ r.rc }}'}",
            "`changed_when` is already an expression",
        ),
        (
            "{run: x, failed_when: 'r.rc =='}",
            "has an invalid `failed_when` expression",
        ),
    ];
    for (step, expected) in cases {
        let text = format!("- hosts: all\n  steps:\n    - {step}\n");
        let err = parse_in(Path::new(env!("CARGO_MANIFEST_DIR")), &text)
            .expect_err(step)
            .to_string();
        assert!(err.contains("site.yml:3:7: step: "), "{step}: {err}");
        assert!(err.contains(expected), "{step}: {err}");
    }
    assert_eq!(
        problem("- hosts: all\n  steps:\n    - run: x\n      changed_whn: false\n"),
        "site.yml:4:7: unknown key `changed_whn` in step; did you mean `changed_when`?"
    );
}

#[test]
fn loops_load_as_lists_or_one_template_expression() {
    let book = parse_ok(concat!(
        "- hosts: all\n",
        "  steps:\n",
        "    - {run: \"echo {{ item }}\", loop: [a, {b: 1}]}\n",
        "    - run: echo {{ pkg }}\n",
        "      loop: \"{{ packages | select('ne', 'vim') | list }}\"\n",
        "      loop_control: {loop_var: pkg, index_var: i, label: \"{{ pkg }}\"}\n",
    ));
    let steps = &book.plays[0].steps;
    let first = steps[0].loop_.as_ref().unwrap();
    assert_eq!(
        first.source,
        LoopSource::Items(vec!["a".into(), serde_json::json!({"b": 1})])
    );
    assert_eq!(first.loop_var, "item");
    let second = steps[1].loop_.as_ref().unwrap();
    assert_eq!(
        second.source,
        LoopSource::Template("packages | select('ne', 'vim') | list".into())
    );
    assert_eq!(second.loop_var, "pkg");
    assert_eq!(second.index_var.as_deref(), Some("i"));
    assert_eq!(second.label.as_deref(), Some("{{ pkg }}"));
}

#[test]
fn bad_loops_are_refused() {
    let cases = [
        (
            "{run: x, loop: 'a b'}",
            "has `loop: a b`; a loop takes a list",
        ),
        ("{run: x, loop: 'x {{ y }}'}", "has `loop: x {{ y }}`"),
        (
            "{run: x, loop: '{{ y + }}'}",
            "has an invalid `loop` template",
        ),
        ("{run: x, loop: ['{{ y']}", "has an invalid `loop` template"),
        (
            "{run: x, loop_control: {loop_var: y}}",
            "has `loop_control:` but no `loop:`",
        ),
        (
            "{run: x, loop: [1], loop_control: {loop_var: 2y}}",
            "has loop_control.loop_var `2y`, which is not a variable name",
        ),
        (
            "{run: x, loop: [1], loop_control: {label: '{{ y'}}",
            "has an invalid `loop_control.label` template",
        ),
    ];
    for (step, expected) in cases {
        let text = format!("- hosts: all\n  steps:\n    - {step}\n");
        let err = parse_in(Path::new("."), &text).expect_err(step).to_string();
        assert!(err.contains(expected), "{step}: {err}");
    }
    assert_eq!(
        problem(
            "- hosts: all\n  steps:\n    - run: x\n      loop: [1]\n      loop_control: {loop_vr: y}\n"
        ),
        "site.yml:5:22: unknown key `loop_vr` in loop_control; did you mean `loop_var`?"
    );
    assert_eq!(
        problem("- hosts: all\n  steps:\n    - run: x\n      lop: [1]\n"),
        "site.yml:4:7: unknown key `lop` in step; did you mean `loop`?"
    );
}
