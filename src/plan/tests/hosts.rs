//! Which hosts each play runs on, and in which batches.

use super::*;

const TWO_PLAYS: &str = "\
- name: Web
  hosts: web_clusters
  steps:
    - run: uptime
- name: Db
  hosts: db_servers:!h4
  steps:
    - run: uptime
";

fn limited(limit: &str) -> PlanOptions {
    PlanOptions {
        limit: Some(limit.to_owned()),
        ..PlanOptions::default()
    }
}

fn host_names(play: &PlannedPlay) -> Vec<&str> {
    play.hosts.iter().map(|host| &**host).collect()
}

#[test]
fn plays_run_on_their_pattern_within_the_limit() {
    let book = playbook(TWO_PLAYS);
    let inv = inventory(SMALL);
    let plan = plan_ok(&book, &inv, &PlanOptions::default());
    assert_eq!(host_names(&plan.plays[0]), ["h1", "h2"]);
    assert_eq!(host_names(&plan.plays[1]), ["h3"]);

    let plan = plan_ok(&book, &inv, &limited("h2:h3:h4"));
    assert_eq!(host_names(&plan.plays[0]), ["h2"]);
    assert_eq!(host_names(&plan.plays[1]), ["h3"]);
    assert_eq!(plan.plays[0].steps[0].hosts.len(), 1);
}

#[test]
fn a_play_the_limit_empties_does_nothing() {
    let plan = plan_ok(&playbook(TWO_PLAYS), &inventory(SMALL), &limited("h1"));
    assert_eq!(host_names(&plan.plays[1]), Vec::<&str>::new());
    assert!(plan.plays[1].batches.is_empty());
    assert!(plan.plays[1].steps[0].hosts.is_empty());
    let text = plan_text(&plan);
    assert!(
        text.contains(
            "PLAY Db (site.yml:5)  hosts: db_servers:!h4 & --limit h1 → no host left by --limit\n"
        ),
        "{text}"
    );
}

#[test]
fn a_limit_that_empties_every_play_is_an_error() {
    let err = plan_err(&playbook(TWO_PLAYS), &inventory(SMALL), &limited("h4"));
    assert_eq!(
        err,
        "--limit `h4` keeps no host of any play (plays target `web_clusters`, `db_servers:!h4`); \
         check the names with `herd inventory --graph`"
    );
}

#[test]
fn a_limit_that_does_not_resolve_is_an_error() {
    let err = plan_err(&playbook(TWO_PLAYS), &inventory(SMALL), &limited("h9"));
    assert!(
        err.starts_with("--limit `h9`: `h9` matches no host or group"),
        "{err}"
    );
}

#[test]
fn a_pattern_matching_no_host_is_an_error_per_play() {
    let book = playbook(concat!(
        "- name: Nothing\n",
        "  hosts: web_clusters:!web_clusters\n",
        "  steps: [{run: uptime}]\n",
        "- name: Typo\n",
        "  hosts: web_clustres\n",
        "  steps: [{run: uptime}]\n",
    ));
    let err = plan_err(&book, &inventory(SMALL), &PlanOptions::default());
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(
        lines[0],
        "play 'Nothing' (site.yml:1): hosts pattern `web_clusters:!web_clusters` matches no host"
    );
    assert!(
        lines[1].starts_with(
            "play 'Typo' (site.yml:4): hosts pattern `web_clustres`: `web_clustres` matches no host or group; did you mean"
        ),
        "{}",
        lines[1]
    );
}

#[test]
fn limit_accepts_a_host_file() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("hosts.txt");
    std::fs::write(&list, "h1\n# a comment\nh3\n").unwrap();
    let plan = plan_ok(
        &playbook(TWO_PLAYS),
        &inventory(SMALL),
        &limited(&format!("@{}", list.display())),
    );
    assert_eq!(host_names(&plan.plays[0]), ["h1"]);
    assert_eq!(host_names(&plan.plays[1]), ["h3"]);
}

#[test]
fn hosts_may_be_a_template_of_extra_vars() {
    let book = playbook("- hosts: \"{{ target }}\"\n  steps: [{run: uptime}]\n");
    let options = PlanOptions {
        extra_vars: extra(&["target=db_servers"]),
        ..PlanOptions::default()
    };
    let plan = plan_ok(&book, &inventory(SMALL), &options);
    assert_eq!(plan.plays[0].pattern, "db_servers");
    assert_eq!(host_names(&plan.plays[0]), ["h3", "h4"]);
    let err = plan_err(&book, &inventory(SMALL), &PlanOptions::default());
    assert_eq!(err, "site.yml:1: undefined variable `target`");
}

#[test]
fn serial_cuts_hosts_into_batches() {
    let inv = inventory("[web]\nw[1:5]\n");
    let book = |serial: &str| {
        playbook(&format!(
            "- hosts: web\n{serial}  steps: [{{run: uptime}}]\n"
        ))
    };
    let plan = plan_ok(&book(""), &inv, &PlanOptions::default());
    assert_eq!(plan.plays[0].batches, vec![0..5]);
    let plan = plan_ok(&book("  serial: 2\n"), &inv, &PlanOptions::default());
    assert_eq!(plan.plays[0].batches, vec![0..2, 2..4, 4..5]);
    assert!(plan_text(&plan).contains("batches: 3 of 2 (last 1)\n"));
    let plan = plan_ok(&book("  serial: \"40%\"\n"), &inv, &PlanOptions::default());
    assert_eq!(plan.plays[0].batches, vec![0..2, 2..4, 4..5]);
}

fn sharded(index: u32, count: u32, limit: Option<&str>) -> PlanOptions {
    PlanOptions {
        limit: limit.map(str::to_owned),
        shard: Some(crate::targets::Shard::new(index, count).unwrap()),
        ..PlanOptions::default()
    }
}

#[test]
fn shards_split_every_play_s_hosts_after_the_limit() {
    let (book, inv) = (playbook(TWO_PLAYS), inventory(SMALL));
    // h1 → 3/4, h2, h3, h4 → 2/4 (pinned in targets::shard).
    let plan = plan_ok(&book, &inv, &sharded(2, 4, None));
    assert_eq!(host_names(&plan.plays[0]), ["h2"]);
    assert_eq!(host_names(&plan.plays[1]), ["h3"]);
    assert_eq!(plan.shard.as_deref(), Some("2/4"));
    let plan = plan_ok(&book, &inv, &sharded(3, 4, Some("h2:h3")));
    assert!(plan.plays.iter().all(|play| play.hosts.is_empty()));
    let text = plan_text(&plan);
    assert!(
        text.contains("SELECTION  --limit h2:h3  --shard 3/4\n"),
        "{text}"
    );
    assert!(
        text.contains("& --limit h2:h3 & --shard 3/4 → no host left by --limit and --shard\n"),
        "{text}"
    );
    // An empty shard is fine; a limit that matches nothing is still an error.
    plan_ok(&book, &inv, &sharded(1, 4, None));
    plan_err(&book, &inv, &sharded(2, 4, Some("h4")));
}
