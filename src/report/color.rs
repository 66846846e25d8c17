//! Which styles to use on one stream: a stable colour per host, and one per outcome.
//!
//! A [`Palette`] that is off hands out plain styles, which owo-colors prints without
//! any escape code, so callers never branch on colour themselves.

use owo_colors::{AnsiColors, Style};

/// Host name colours. Red is left out, so that red always means failure.
const HOST_COLORS: [AnsiColors; 8] = [
    AnsiColors::Cyan,
    AnsiColors::Magenta,
    AnsiColors::Blue,
    AnsiColors::Green,
    AnsiColors::Yellow,
    AnsiColors::BrightCyan,
    AnsiColors::BrightMagenta,
    AnsiColors::BrightBlue,
];

/// The styles for one output stream, or plain text when colour is off.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Palette {
    enabled: bool,
}

impl Palette {
    /// A palette that colours when `enabled`, and never otherwise.
    pub(crate) fn new(enabled: bool) -> Self {
        Palette { enabled }
    }

    /// The colour of `host`'s name: the same for the same name, run after run.
    pub(crate) fn host(self, host: &str) -> Style {
        let index = (fnv1a(host.as_bytes()) % HOST_COLORS.len() as u64) as usize;
        self.pick(Style::new().color(HOST_COLORS[index]))
    }

    /// Hosts that finished ok.
    pub(crate) fn ok(self) -> Style {
        self.pick(Style::new().green())
    }

    /// Hosts that failed.
    pub(crate) fn failed(self) -> Style {
        self.pick(Style::new().red().bold())
    }

    /// Hosts that could not be reached.
    pub(crate) fn unreachable(self) -> Style {
        self.pick(Style::new().yellow())
    }

    /// Playbook steps that changed something.
    pub(crate) fn changed(self) -> Style {
        self.pick(Style::new().yellow())
    }

    /// Playbook steps that were skipped.
    pub(crate) fn skipped(self) -> Style {
        self.pick(Style::new().cyan())
    }

    /// Headings, such as a gathered group's host list.
    pub(crate) fn heading(self) -> Style {
        self.pick(Style::new().bold())
    }

    fn pick(self, style: Style) -> Style {
        if self.enabled { style } else { Style::new() }
    }
}

/// FNV-1a: a tiny hash that, unlike std's, is fixed across Rust releases.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use owo_colors::OwoColorize;

    #[test]
    fn off_means_no_escape_codes() {
        let palette = Palette::new(false);
        for style in [
            palette.host("web01"),
            palette.ok(),
            palette.failed(),
            palette.unreachable(),
            palette.heading(),
        ] {
            assert_eq!("x".style(style).to_string(), "x");
        }
    }

    #[test]
    fn on_means_escape_codes() {
        let palette = Palette::new(true);
        assert!(
            "x".style(palette.host("web01"))
                .to_string()
                .contains('\x1b')
        );
        assert_eq!("x".style(palette.ok()).to_string(), "\x1b[32mx\x1b[0m");
    }

    #[test]
    fn host_colour_is_stable() {
        let palette = Palette::new(true);
        let first = "x".style(palette.host("web01")).to_string();
        assert_eq!(first, "x".style(palette.host("web01")).to_string());
        let spread: std::collections::HashSet<String> = (0..32)
            .map(|n| "x".style(palette.host(&format!("web{n:02}"))).to_string())
            .collect();
        assert!(spread.len() > 3, "hosts get different colours");
    }
}
