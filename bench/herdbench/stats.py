"""Summaries of a result's runs: medians with their spread, per-host figures, throughput."""

import statistics
from dataclasses import dataclass

from .scenarios import MB, Result


@dataclass(frozen=True)
class Spread:
    """Median and range of a few numbers."""

    median: float
    low: float
    high: float

    @classmethod
    def of(cls, values: list[float]) -> "Spread":
        return cls(statistics.median(values), min(values), max(values))

    def show(self, digits: int = 2) -> str:
        if len(set((self.low, self.high))) == 1:
            return f"{self.median:.{digits}f}"
        return f"{self.median:.{digits}f} ({self.low:.{digits}f}–{self.high:.{digits}f})"


def wall(result: Result) -> Spread:
    return Spread.of([s.wall for s in result.samples])


def cpu(result: Result) -> Spread:
    return Spread.of([s.cpu for s in result.samples])


def cpu_per_host_ms(result: Result) -> float:
    return cpu(result).median / result.hosts * 1000


def sshd_per_host_ms(result: Result) -> float:
    return statistics.median(result.sshd_cpu) / result.hosts * 1000


def other_load_pct(result: Result) -> float:
    """Median share of the machine that processes outside the benchmark used during the runs."""
    return statistics.median(result.other_load) * 100


def peak_rss_mb(result: Result) -> float:
    return max(s.maxrss_kb for s in result.samples) * 1024 / MB


def throughput(result: Result) -> Spread:
    """Payload MB per wall second over the runs."""
    return Spread.of([result.payload_bytes / MB / s.wall for s in result.samples])
