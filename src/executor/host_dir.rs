//! Safe local folder names for hosts, for `get` (`DIR/NAME/…`).

/// Maps a host name to a single safe path segment: letters, digits, `.`, `_` and `-`
/// stay; every other byte becomes `%XX`; `.` and `..` (and an empty name) are escaped
/// too, so no host name can reach outside the destination directory.
pub fn host_dir_name(host: &str) -> String {
    if host.is_empty() || host == "." || host == ".." {
        return host
            .bytes()
            .map(|b| format!("%{b:02X}"))
            .collect::<String>()
            + "%00";
    }
    let mut out = String::with_capacity(host.len());
    for byte in host.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'_' | b'-') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::host_dir_name;

    #[test]
    fn ordinary_names_are_kept() {
        assert_eq!(host_dir_name("web-01.example_a"), "web-01.example_a");
    }

    #[test]
    fn separators_and_dots_cannot_escape() {
        assert_eq!(host_dir_name("../etc"), "..%2Fetc");
        assert_eq!(host_dir_name("a/b\\c"), "a%2Fb%5Cc");
        assert_eq!(host_dir_name(".."), "%2E%2E%00");
        assert_eq!(host_dir_name("."), "%2E%00");
        assert_eq!(host_dir_name(""), "%00");
        for name in ["..", ".", "", "../x", "/abs", "a/../b"] {
            let segment = host_dir_name(name);
            assert!(!segment.contains('/') && segment != ".." && segment != ".");
        }
    }

    #[test]
    fn distinct_names_stay_distinct() {
        assert_ne!(host_dir_name("a/b"), host_dir_name("a%2Fb"));
    }
}
