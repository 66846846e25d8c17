"""The plot of scenario 1: wall time against N for every tool, with the machine limit."""

from pathlib import Path

from . import stats
from .bars import machine_limit
from .scenarios import Result


def wall_against_n(results: list[Result], cores: int, path: Path) -> str | None:
    """Draws the PNG at ``path``; returns why not when it cannot (matplotlib missing, one N)."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        import matplotlib.ticker
    except ImportError:
        return "matplotlib is not installed"
    s1 = [r for r in results if r.scenario == "s1"]
    counts = sorted({r.hosts for r in s1})
    if len(counts) < 2:
        return "only one N was run"
    fig, ax = plt.subplots(figsize=(8, 5.5), dpi=110)
    tools = list(dict.fromkeys(r.variant.tool for r in s1))
    for variant in dict.fromkeys(r.variant for r in s1):
        points = sorted((r.hosts, stats.wall(r)) for r in s1 if r.variant == variant and r.ok)
        if not points:
            continue
        xs = [n for n, _ in points]
        ys = [w.median for _, w in points]
        errors = [[w.median - w.low for _, w in points], [w.high - w.median for _, w in points]]
        herd = variant.tool == "herd"
        ax.errorbar(xs, ys, yerr=errors, marker="o", capsize=3, label=variant.label,
                    color=f"C{tools.index(variant.tool)}", linewidth=2.5 if herd else 1.2,
                    linestyle="--" if variant.kex else "-")
    limits = [(n, machine_limit(results, n, cores)) for n in counts]
    limits = [(n, found[0]) for n, found in limits if found]
    if limits:
        ax.plot([n for n, _ in limits], [t for _, t in limits], color="black", linestyle=":",
                label="machine limit (sshd CPU / cores)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(counts, [str(n) for n in counts])
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_xlabel("hosts (N)")
    ax.set_ylabel("wall time, s (median; bars: min–max)")
    ax.set_title("Scenario 1: `true` on N hosts, forks 64")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, ncol=2)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return None
