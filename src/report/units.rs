//! Sizes, durations and rates as people read them.

use std::time::Duration;

const UNITS: [&str; 6] = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];

/// `512 B`, `1.2 KiB`, `4.0 MiB`, … (binary units).
pub(crate) fn bytes(count: u64) -> String {
    if count < 1024 {
        return format!("{count} B");
    }
    scaled(count as f64)
}

/// Bytes per second, as [`bytes`] with `/s`; `None` when no time passed.
pub(crate) fn rate(count: u64, elapsed: Duration) -> Option<String> {
    let seconds = elapsed.as_secs_f64();
    (seconds > 0.0).then(|| {
        let per_second = count as f64 / seconds;
        let text = if per_second < 1024.0 {
            format!("{per_second:.0} B")
        } else {
            scaled(per_second)
        };
        format!("{text}/s")
    })
}

/// `320ms` under a second, `1.32s` under a minute, `2m05s` beyond.
pub(crate) fn duration(elapsed: Duration) -> String {
    if elapsed < Duration::from_secs(1) {
        format!("{}ms", elapsed.as_millis())
    } else if elapsed < Duration::from_secs(60) {
        format!("{:.2}s", elapsed.as_secs_f64())
    } else {
        let seconds = elapsed.as_secs();
        format!("{}m{:02}s", seconds / 60, seconds % 60)
    }
}

/// Milliseconds as a JSON number, saturating (a run of 584 million years).
pub(crate) fn millis(elapsed: Duration) -> u64 {
    u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX)
}

/// At least 1024 bytes, in the largest unit that keeps the number at or above 1.
fn scaled(mut value: f64) -> String {
    let mut unit = UNITS[0];
    value /= 1024.0;
    for next in &UNITS[1..] {
        if value < 1024.0 {
            break;
        }
        value /= 1024.0;
        unit = next;
    }
    format!("{value:.1} {unit}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(1023), "1023 B");
        assert_eq!(bytes(1024), "1.0 KiB");
        assert_eq!(bytes(1_258_291), "1.2 MiB");
        assert_eq!(bytes(5 << 30), "5.0 GiB");
        assert_eq!(bytes(u64::MAX), "16.0 EiB");
    }

    #[test]
    fn rates() {
        assert_eq!(rate(100, Duration::ZERO), None);
        assert_eq!(rate(100, Duration::from_secs(1)).unwrap(), "100 B/s");
        let four_mib_per_second = rate(1_258_291, Duration::from_millis(300)).unwrap();
        assert_eq!(four_mib_per_second, "4.0 MiB/s");
    }

    #[test]
    fn durations() {
        assert_eq!(duration(Duration::from_millis(4)), "4ms");
        assert_eq!(duration(Duration::from_millis(1320)), "1.32s");
        assert_eq!(duration(Duration::from_secs(125)), "2m05s");
        assert_eq!(millis(Duration::from_secs(2)), 2000);
        assert_eq!(millis(Duration::MAX), u64::MAX);
    }
}
