//! `herd recap FILE…`: the JSON Lines of several runs (one per `--shard`) read back and
//! merged into one recap and one exit code, as if one controller had run them all.
//!
//! From each stream only what the recap needs is read: the hosts (`run_started`,
//! `play_started`, any event's `host`), each host's end state (`host_finished`, then the
//! closing `recap` object's `hosts`, which wins), and each host's step counts
//! (`step_finished`, for the PLAY RECAP). Other events and unknown keys are skipped, so
//! streams from newer herds still merge. A stream that stops before its `recap` (its
//! controller was killed, or never started: an empty file) still counts: its hosts
//! without a result are "not run", with a warning, and [`MergedRuns::exit_code`] is at
//! least 4. A host found in several streams takes the result of the last one given (a
//! shard run again), with a warning. The merged run's wall time is the longest stream's.

use std::fmt;
use std::io::{self, BufRead, Write};
use std::time::Duration;

use serde_json::{Map, Value};

use crate::event::{HostName, Outcome, StepStatus};

use super::color::Palette;
use super::play::{self, StepCounts, StepTally};
use super::summary::{EXIT_OK, EXIT_UNREACHABLE, RunSummary};
use super::tally::Tally;
use super::{json, recap};

/// A line of a stream that cannot be read as herd's JSON Lines: where, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeError {
    /// The stream as the user named it (`-` for stdin).
    pub file: String,
    /// 1-based line, or 0 when the file itself cannot be read.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for MergeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            0 => write!(f, "{}: {}", self.file, self.message),
            line => write!(f, "{}:{line}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for MergeError {}

/// One host's merged result.
struct Merged {
    host: HostName,
    outcome: Option<Outcome>,
    /// Step counts, when its stream was a playbook run's.
    steps: Option<StepCounts>,
}

/// The runs read so far, merged: hosts in the order first seen (stream by stream).
#[derive(Default)]
pub struct MergedRuns {
    hosts: Vec<Merged>,
    index: std::collections::HashMap<HostName, usize>,
    elapsed: Duration,
    /// Hosts seen in more than one stream, and the last such stream.
    repeated: Vec<(HostName, String)>,
    /// Some stream ended before its `recap`: a run that never started (an empty file)
    /// or was killed, whose hosts herd may not even know.
    unfinished: bool,
    warnings: Vec<String>,
}

impl MergedRuns {
    /// Reads one stream of JSON Lines called `file` (for messages) and merges it in.
    /// Errors at the first line that is not a JSON object with an `event`, or a known
    /// event missing a key the recap needs; nothing of that stream is merged then.
    pub fn read(&mut self, file: &str, mut reader: impl BufRead) -> Result<(), MergeError> {
        let mut stream = Stream::default();
        let (mut lines, mut cut) = (0, false);
        let mut line = Vec::new();
        loop {
            line.clear();
            let at = |message: String| MergeError {
                file: file.to_owned(),
                line: lines + 1,
                message,
            };
            match reader.read_until(b'\n', &mut line) {
                Ok(0) => break,
                Ok(_) => {}
                Err(error) => return Err(at(format!("cannot read: {error}"))),
            }
            let whole = line.ends_with(b"\n");
            let read = std::str::from_utf8(&line)
                .map_err(|_| "not UTF-8: not a herd --output json stream".to_owned())
                .and_then(|text| match text.trim() {
                    "" => Ok(()),
                    text => stream.line(text),
                });
            match read {
                // A killed controller can leave half a last line: the run did not finish.
                Err(_) if !whole => cut = true,
                Err(message) => return Err(at(message)),
                Ok(()) => {}
            }
            lines += 1;
        }
        if !stream.finished {
            let what = match (lines, cut) {
                (0, _) => "is empty: that run never started".to_owned(),
                (_, true) => format!(
                    "ends in the middle of line {lines}: that run did not finish; \
                     its hosts without a result count as not run"
                ),
                (_, false) => format!(
                    "ends at line {lines} without a `recap` object: that run did not finish; \
                     its hosts without a result count as not run"
                ),
            };
            self.unfinished = true;
            self.warnings
                .push(format!("{file} {what}, and the exit code is at least 4"));
        }
        self.merge(file, stream);
        Ok(())
    }

    /// Reads the file at `path` (`-` is stdin) with [`MergedRuns::read`].
    pub fn read_path(&mut self, path: &str) -> Result<(), MergeError> {
        if path == "-" {
            return self.read(path, io::stdin().lock());
        }
        let file = std::fs::File::open(path).map_err(|error| MergeError {
            file: path.to_owned(),
            line: 0,
            message: format!("cannot open: {error}"),
        })?;
        self.read(path, io::BufReader::new(file))
    }

    /// What the user should know about the streams read: unfinished runs, hosts in
    /// several streams.
    pub fn warnings(&self) -> Vec<String> {
        let mut warnings = self.warnings.clone();
        if let Some((_, last)) = self.repeated.last() {
            let hosts: Vec<HostName> = self.repeated.iter().map(|(h, _)| h.clone()).collect();
            warnings.push(format!(
                "{} {} in more than one stream ({}); the last stream's result counts (e.g. {last})",
                hosts.len(),
                if hosts.len() == 1 {
                    "host is"
                } else {
                    "hosts are"
                },
                super::hostlist::compact(&hosts),
            ));
        }
        warnings
    }

    /// Writes the merged recap, as a run ends: the PLAY RECAP when some stream was a
    /// playbook run's, then herd's recap (as text with `palette`'s colours, or as the
    /// `play_recap` and `recap` JSON objects when `json`); returns the summary, whose
    /// [`RunSummary::exit_code`] is the merged run's.
    pub(crate) fn write(
        &self,
        w: &mut dyn Write,
        json: bool,
        palette: Palette,
    ) -> io::Result<RunSummary> {
        let mut tally = Tally::default();
        let mut steps = StepTally::default();
        for merged in &self.hosts {
            let index = tally.add(&merged.host);
            if let Some(outcome) = &merged.outcome {
                tally.finish(&merged.host, outcome);
            }
            if let Some(counts) = merged.steps {
                steps.set(index, counts);
            }
        }
        let summary = tally.summary(self.elapsed);
        if json {
            if !steps.is_empty() {
                json::write_play_recap(w, &tally, &steps)?;
            }
            json::write_recap(w, &tally, self.elapsed)?;
        } else {
            if !steps.is_empty() {
                play::write_play_recap(w, tally.hosts(), &steps, palette)?;
            }
            recap::write_recap(w, &summary, palette)?;
        }
        Ok(summary)
    }

    /// The merged run's exit code: `summary`'s ([`RunSummary::exit_code`]), but at least
    /// [`EXIT_UNREACHABLE`] when some stream did not finish, as its run may have left
    /// hosts out that no stream names.
    pub fn exit_code(&self, summary: &RunSummary) -> i32 {
        match summary.exit_code() {
            EXIT_OK if self.unfinished => EXIT_UNREACHABLE,
            code => code,
        }
    }

    /// Writes what `write` writes to stdout, colour as `color` says; a closed pipe is
    /// not an error.
    pub fn print(&self, json: bool, color: bool) -> io::Result<RunSummary> {
        let mut out = Vec::new();
        let summary = self.write(&mut out, json, Palette::new(color))?;
        super::print_document(&String::from_utf8_lossy(&out))?;
        Ok(summary)
    }

    fn merge(&mut self, file: &str, stream: Stream) {
        self.elapsed = self.elapsed.max(stream.elapsed);
        let has_steps = !stream.steps.is_empty();
        for (index, (host, outcome)) in stream.tally.outcomes().enumerate() {
            let merged = Merged {
                host: host.clone(),
                outcome: outcome.cloned(),
                steps: has_steps.then(|| stream.steps.of(index)),
            };
            match self.index.get(host) {
                Some(&at) => {
                    self.hosts[at] = merged;
                    self.repeated.push((host.clone(), file.to_owned()));
                }
                None => {
                    self.index.insert(host.clone(), self.hosts.len());
                    self.hosts.push(merged);
                }
            }
        }
    }
}

/// What one stream said so far.
#[derive(Default)]
struct Stream {
    tally: Tally,
    steps: StepTally,
    elapsed: Duration,
    /// A `recap` object was read.
    finished: bool,
}

impl Stream {
    /// Takes in one line; errors say what is wrong with it.
    fn line(&mut self, text: &str) -> Result<(), String> {
        let value: Value = serde_json::from_str(text).map_err(|error| {
            let shown = error.to_string();
            let what = shown
                .rsplit_once(" at line ")
                .map_or(&*shown, |(what, _)| what);
            format!(
                "not JSON ({what}, column {}): not a herd --output json stream",
                error.column()
            )
        })?;
        let Value::Object(object) = value else {
            return Err("not a JSON object: not a herd --output json stream".into());
        };
        let event = str_key(&object, "event")?;
        match event {
            "run_started" | "play_started" => {
                for host in hosts(&object)? {
                    self.tally.add(&host);
                }
            }
            "host_started" | "output" | "transfer" | "step_retrying" | "file_diff"
            | "item_finished" => {
                self.tally.add(&host(&object)?);
            }
            "host_finished" => {
                let host = host(&object)?;
                match outcome(&object)? {
                    Some(outcome) => self.tally.finish(&host, &outcome),
                    None => return Err("host_finished with `state` not_run".into()),
                };
            }
            "step_finished" => {
                let index = self.tally.add(&host(&object)?);
                let status = step_status(str_key(&object, "status")?)?;
                let ignored = object.get("ignored").and_then(Value::as_bool) == Some(true);
                self.steps.record(index, status, ignored);
            }
            "recap" => {
                let Some(Value::Object(hosts)) = object.get("hosts") else {
                    return Err("`recap` without a `hosts` object".into());
                };
                for (name, state) in hosts {
                    let host = HostName::from(name.as_str());
                    self.tally.add(&host);
                    let Value::Object(state) = state else {
                        return Err(format!("`recap` host `{name}` is not an object"));
                    };
                    if let Some(outcome) = outcome(state)? {
                        self.tally.finish(&host, &outcome);
                    }
                }
                let millis = object.get("elapsed_ms").and_then(Value::as_u64);
                self.elapsed = self.elapsed.max(Duration::from_millis(millis.unwrap_or(0)));
                self.finished = true;
            }
            // play_recap repeats the step_finished counts; other events say nothing the
            // recap needs.
            _ => {}
        }
        Ok(())
    }
}

fn str_key<'a>(object: &'a Map<String, Value>, key: &str) -> Result<&'a str, String> {
    match object.get(key) {
        Some(Value::String(text)) => Ok(text),
        Some(_) => Err(format!("`{key}` is not a string")),
        None => Err(format!("no `{key}` key: not a herd --output json event")),
    }
}

fn host(object: &Map<String, Value>) -> Result<HostName, String> {
    str_key(object, "host").map(HostName::from)
}

fn hosts(object: &Map<String, Value>) -> Result<Vec<HostName>, String> {
    let Some(Value::Array(hosts)) = object.get("hosts") else {
        return Err("no `hosts` array".into());
    };
    hosts
        .iter()
        .map(|host| {
            host.as_str()
                .map(HostName::from)
                .ok_or_else(|| "`hosts` holds a value that is not a string".to_owned())
        })
        .collect()
}

/// The outcome in `{state, exit_code, message}`; `None` for `not_run`.
fn outcome(object: &Map<String, Value>) -> Result<Option<Outcome>, String> {
    let message = || {
        object
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    Ok(Some(match str_key(object, "state")? {
        "ok" => Outcome::Ok,
        "failed" => Outcome::Failed {
            exit_code: object
                .get("exit_code")
                .and_then(Value::as_i64)
                .and_then(|code| i32::try_from(code).ok()),
            message: message(),
        },
        "unreachable" => Outcome::Unreachable { message: message() },
        "not_run" => return Ok(None),
        other => {
            return Err(format!(
                "unknown `state` `{other}` (ok, failed, unreachable or not_run)"
            ));
        }
    }))
}

fn step_status(text: &str) -> Result<StepStatus, String> {
    Ok(match text {
        "ok" => StepStatus::Ok,
        "changed" => StepStatus::Changed,
        "failed" => StepStatus::Failed,
        "skipped" => StepStatus::Skipped,
        "unreachable" => StepStatus::Unreachable,
        other => {
            return Err(format!(
                "unknown step `status` `{other}` (ok, changed, failed, skipped or unreachable)"
            ));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{OutputMode, ReportOptions, Reporter};

    fn host(name: &str) -> HostName {
        HostName::from(name)
    }

    fn failed(code: i32) -> Outcome {
        Outcome::Failed {
            exit_code: Some(code),
            message: format!("exit status {code}"),
        }
    }

    fn finished(name: &str, outcome: Outcome) -> Event {
        Event::HostFinished {
            host: host(name),
            outcome,
            elapsed: Duration::from_millis(5),
        }
    }

    fn step(name: &str, number: usize, status: StepStatus) -> Event {
        Event::StepFinished {
            host: host(name),
            number,
            status,
            ignored: false,
            message: None,
            rc: None,
        }
    }

    use crate::event::Event;

    /// What a reporter in `mode` writes for `events`, run in `elapsed`: (stdout, stderr).
    fn report(mode: OutputMode, events: &[Event], elapsed: u64) -> (String, String) {
        let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
        let mut reporter = Reporter::new(ReportOptions::plain(mode), &mut stdout, &mut stderr);
        for event in events {
            reporter.handle(event).unwrap();
        }
        reporter.finish(Duration::from_millis(elapsed)).unwrap();
        (
            String::from_utf8(stdout).unwrap(),
            String::from_utf8(stderr).unwrap(),
        )
    }

    fn json(events: &[Event], elapsed: u64) -> String {
        report(OutputMode::Json, events, elapsed).0
    }

    fn merged(streams: &[(&str, &str)]) -> Result<(String, RunSummary, Vec<String>), MergeError> {
        let mut runs = MergedRuns::default();
        for (name, text) in streams {
            runs.read(name, text.as_bytes())?;
        }
        let mut out = Vec::new();
        let summary = runs.write(&mut out, false, Palette::new(false)).unwrap();
        Ok((String::from_utf8(out).unwrap(), summary, runs.warnings()))
    }

    fn shard_a() -> Vec<Event> {
        vec![
            Event::RunStarted {
                hosts: vec![host("a1"), host("a2")],
            },
            finished("a1", Outcome::Ok),
            finished("a2", failed(3)),
        ]
    }

    fn shard_b() -> Vec<Event> {
        vec![
            Event::RunStarted {
                hosts: vec![host("b1"), host("b2")],
            },
            finished("b1", Outcome::Ok),
            finished(
                "b2",
                Outcome::Unreachable {
                    message: "connection refused".into(),
                },
            ),
        ]
    }

    #[test]
    fn merged_shards_recap_as_one_run_of_all_their_hosts() {
        let (text, summary, warnings) = merged(&[
            ("a.json", &json(&shard_a(), 900)),
            ("b.json", &json(&shard_b(), 1320)),
        ])
        .unwrap();
        let mut all = shard_a();
        all.extend(shard_b());
        all.retain(|event| !matches!(event, Event::RunStarted { .. }));
        all.insert(
            0,
            Event::RunStarted {
                hosts: ["a1", "a2", "b1", "b2"].map(host).to_vec(),
            },
        );
        let (_, one_run) = report(OutputMode::Live, &all, 1320);
        assert_eq!(text, one_run);
        assert!(text.starts_with("herd: 4 hosts: 2 ok, 1 failed, 1 unreachable in 1.32s\n"));
        assert_eq!(summary.exit_code(), 2);
        assert!(warnings.is_empty(), "{warnings:?}");
    }

    #[test]
    fn playbook_streams_bring_their_play_recap() {
        let events = |name: &str, last: StepStatus| {
            vec![
                Event::PlayStarted {
                    name: "p".into(),
                    at: "site.yml:1".into(),
                    hosts: vec![host(name)],
                },
                step(name, 1, StepStatus::Changed),
                step(name, 2, last),
                finished(
                    name,
                    if last == StepStatus::Failed {
                        failed(1)
                    } else {
                        Outcome::Ok
                    },
                ),
            ]
        };
        let (one, two) = (
            events("h1", StepStatus::Ok),
            events("h2", StepStatus::Failed),
        );
        let (text, summary, _) = merged(&[("1", &json(&one, 10)), ("2", &json(&two, 10))]).unwrap();
        let mut all = one;
        all.extend(two);
        assert_eq!(
            text,
            report(OutputMode::Live, &all, 10)
                .1
                .split_once("PLAY RECAP")
                .map(|(_, r)| format!("PLAY RECAP{r}"))
                .unwrap()
        );
        assert!(
            text.contains("h2 : ok=1    changed=1    unreachable=0    failed=1"),
            "{text}"
        );
        assert_eq!(summary.exit_code(), 2);
    }

    #[test]
    fn exit_codes_follow_the_run_rules() {
        let ok = json(&shard_a()[..2], 1);
        let (text, summary, _) = merged(&[("ok", &ok)]).unwrap();
        // a2 started but never finished: not run.
        assert!(text.contains("1 ok, 1 not run"), "{text}");
        assert_eq!(summary.exit_code(), 4);
        let all_ok = json(
            &[
                Event::RunStarted {
                    hosts: vec![host("x")],
                },
                finished("x", Outcome::Ok),
            ],
            1,
        );
        assert_eq!(merged(&[("x", &all_ok)]).unwrap().1.exit_code(), 0);
        let empty = json(&[Event::RunStarted { hosts: vec![] }], 1);
        let (text, summary, warnings) = merged(&[("empty", &empty)]).unwrap();
        assert!(text.starts_with("herd: 0 hosts: 0 ok"), "{text}");
        assert_eq!((summary.exit_code(), warnings.len()), (0, 0));
    }

    #[test]
    fn an_unfinished_stream_counts_its_open_hosts_as_not_run() {
        let full = json(&shard_a(), 5);
        let cut = &full[..full.find("\"a2\",\"state\"").unwrap()];
        let (text, summary, warnings) = merged(&[("cut.json", cut)]).unwrap();
        assert!(text.starts_with("herd: 2 hosts: 1 ok, 1 not run"), "{text}");
        assert_eq!(summary.exit_code(), 4);
        assert_eq!(warnings.len(), 1);
        assert!(
            warnings[0].starts_with("cut.json ends in the middle of line 3"),
            "{warnings:?}"
        );
        // Every host the cut stream names finished, but its run did not: exit 4, not 0.
        let whole = &full[..full.find("{\"event\":\"recap\"").unwrap()];
        let mut runs = MergedRuns::default();
        runs.read("whole.json", whole.as_bytes()).unwrap();
        let summary = runs
            .write(&mut Vec::new(), false, Palette::new(false))
            .unwrap();
        assert_eq!((summary.exit_code(), runs.exit_code(&summary)), (2, 2));
        let x = [
            Event::RunStarted {
                hosts: vec![host("x")],
            },
            finished("x", Outcome::Ok),
        ];
        let ok = json(&x, 5);
        let ok = &ok[..ok.find("{\"event\":\"recap\"").unwrap()];
        let mut runs = MergedRuns::default();
        runs.read("ok.json", ok.as_bytes()).unwrap();
        let summary = runs
            .write(&mut Vec::new(), false, Palette::new(false))
            .unwrap();
        // Every host it names is ok, but the run did not finish.
        assert_eq!((summary.exit_code(), runs.exit_code(&summary)), (0, 4));
        let mut runs = MergedRuns::default();
        runs.read("e.json", &b""[..]).unwrap();
        let summary = runs
            .write(&mut Vec::new(), false, Palette::new(false))
            .unwrap();
        assert!(
            runs.warnings()[0].starts_with("e.json is empty"),
            "{:?}",
            runs.warnings()
        );
        assert_eq!(runs.exit_code(&summary), 4);
    }

    #[test]
    fn the_last_stream_wins_for_a_repeated_host() {
        let rerun = json(
            &[
                Event::RunStarted {
                    hosts: vec![host("a2")],
                },
                finished("a2", Outcome::Ok),
            ],
            5,
        );
        let (text, summary, warnings) =
            merged(&[("a.json", &json(&shard_a(), 5)), ("again.json", &rerun)]).unwrap();
        assert!(text.starts_with("herd: 2 hosts: 2 ok"), "{text}");
        assert_eq!(summary.exit_code(), 0);
        assert!(
            warnings[0].contains("1 host is in more than one stream (a2)"),
            "{warnings:?}"
        );
    }

    #[test]
    fn garbled_lines_are_errors_with_file_and_line() {
        let cases = [
            (
                "{\"event\":\"run_started\",\"hosts\":[]}\nnot json\n",
                2,
                "not JSON",
            ),
            ("[1]\n", 1, "not a JSON object"),
            ("\n{\"host\":\"a\"}\n", 2, "no `event` key"),
            (
                "{\"event\":\"host_finished\",\"host\":\"a\",\"state\":\"odd\"}\n",
                1,
                "unknown `state`",
            ),
            (
                "{\"event\":\"step_finished\",\"host\":\"a\",\"status\":\"meh\"}\n",
                1,
                "unknown step",
            ),
            ("{\"event\":\"run_started\"}\n", 1, "no `hosts` array"),
            ("{\"event\":\"recap\",\"hosts\":[]}\n", 1, "`recap` without"),
            ("\u{fffd}\n", 1, "not JSON"),
        ];
        for (text, line, message) in cases {
            let error = merged(&[("f.json", text)]).map(|_| ()).unwrap_err();
            assert_eq!(
                (error.file.as_str(), error.line),
                ("f.json", line),
                "{text}"
            );
            assert!(error.message.contains(message), "{text}: {error}");
            assert!(error.to_string().starts_with(&format!("f.json:{line}: ")));
        }
        let mut runs = MergedRuns::default();
        let error = runs.read("bin", &b"\xff\xfe\n"[..]).unwrap_err();
        assert_eq!(
            (error.line, error.message.starts_with("not UTF-8")),
            (1, true)
        );
    }

    #[test]
    fn unknown_events_and_keys_are_skipped() {
        let text = "{\"event\":\"run_started\",\"hosts\":[\"a\"],\"new\":1}\n\
                    {\"event\":\"something_new\"}\n\
                    {\"event\":\"recap\",\"elapsed_ms\":7,\"hosts\":{\"a\":{\"state\":\"ok\",\"exit_code\":0}}}\n";
        let (text, summary, _) = merged(&[("f", text)]).unwrap();
        assert_eq!(text, "herd: 1 host: 1 ok in 7ms\n");
        assert_eq!(summary.exit_code(), 0);
    }
}
