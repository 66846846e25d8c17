//! Output that is huge, long-lined or binary passes through herd whole, byte-exact and in
//! bounded memory, against the lab's real sshd servers.

mod common;

use std::io::Read;

use common::{Lab, run_measured};

/// herd's peak memory may not grow with the output: 1 GB must stream through under this.
const RSS_LIMIT: u64 = 64 * 1024 * 1024;

/// Reads everything, keeping only a count and a checksum (FNV-1a) of the bytes.
fn count_and_hash(mut input: impl Read) -> (u64, u64) {
    let mut buffer = vec![0; 1 << 20];
    let (mut count, mut hash) = (0u64, 0xcbf2_9ce4_8422_2325u64);
    loop {
        let n = input.read(&mut buffer).unwrap();
        if n == 0 {
            return (count, hash);
        }
        count += n as u64;
        for &byte in &buffer[..n] {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x100_0000_01b3);
        }
    }
}

/// The same checksum over the bytes `lines` lines of `width` x's each make, prefixed.
fn expected(lines: u64, width: usize, prefix: &[u8]) -> (u64, u64) {
    let mut line = prefix.to_vec();
    line.extend(std::iter::repeat_n(b'x', width));
    line.push(b'\n');
    let mut hash = 0xcbf2_9ce4_8422_2325u64;
    for _ in 0..lines {
        for &byte in &line {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x100_0000_01b3);
        }
    }
    (lines * line.len() as u64, hash)
}

#[test]
fn a_gigabyte_of_stdout_streams_through_in_bounded_memory() {
    let lab = Lab::new();
    let mut command = lab.std_cmd("herd");
    command.args([
        "run",
        "-h",
        "h1",
        "--cmd",
        "head -c 1000000000 /dev/zero | tr '\\0' x | fold -w 100",
    ]);
    let (run, (count, hash)) = run_measured(&mut command, count_and_hash);
    assert_eq!(
        run.code,
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!((count, hash), expected(10_000_000, 100, b"h1: "));
    assert!(
        run.max_rss < RSS_LIMIT,
        "peak RSS {} MiB for 1 GB of output",
        run.max_rss >> 20
    );
}

/// Removes the `NAME: ` prefix from every line of `output`.
fn strip_prefix(output: &[u8], prefix: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(output.len());
    for line in output.split_inclusive(|&b| b == b'\n') {
        let line = line
            .strip_prefix(prefix)
            .unwrap_or_else(|| panic!("a line without {prefix:?}"));
        bytes.extend_from_slice(line);
    }
    bytes
}

#[test]
fn a_one_megabyte_line_arrives_whole() {
    let lab = Lab::new();
    let out = lab
        .herd(&[
            "run",
            "-h",
            "h2",
            "--cmd",
            "head -c 1000000 /dev/zero | tr '\\0' y; echo; echo after",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let mut want = b"h2: ".to_vec();
    want.extend(std::iter::repeat_n(b'y', 1_000_000));
    want.extend_from_slice(b"\nh2: after\n");
    assert!(out.stdout == want, "the long line was split or changed");
}

#[test]
fn every_byte_value_passes_through_unchanged() {
    let lab = Lab::new();
    // Every byte 0-255 (newline included), 1000 times, as octal escapes for printf; the
    // output ends with a newline so no line is completed by herd.
    let pattern: String = (0..=255u8).map(|b| format!("\\{b:03o}")).collect();
    let command = format!("for i in $(seq 1000); do printf '{pattern}'; done; echo");
    for output in [&[][..], &["--output", "json"][..]] {
        let mut args = vec!["run", "-h", "h3", "--cmd", &command];
        args.extend_from_slice(output);
        let out = lab.herd(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(0));
        let mut want: Vec<u8> = (0..1000).flat_map(|_| 0..=255u8).collect();
        want.push(b'\n');
        if output.is_empty() {
            assert!(strip_prefix(&out.stdout, b"h3: ") == want, "bytes changed");
        } else {
            assert!(json_output(&out.stdout) == want, "bytes changed in JSON");
        }
    }
}

/// The exact bytes of every `output` event of a JSON Lines run, newlines restored.
fn json_output(stdout: &[u8]) -> Vec<u8> {
    use base64::Engine;
    let mut bytes = Vec::new();
    for line in stdout.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        let event: serde_json::Value = serde_json::from_slice(line).unwrap();
        if event["event"] != "output" {
            continue;
        }
        match event["line_base64"].as_str() {
            Some(encoded) => bytes.extend(
                base64::engine::general_purpose::STANDARD
                    .decode(encoded)
                    .unwrap(),
            ),
            None => bytes.extend_from_slice(event["line"].as_str().unwrap().as_bytes()),
        }
        bytes.push(b'\n');
    }
    bytes
}
