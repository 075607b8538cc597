"""The lab's figures: the risk/cost frontier and a backtest a trader reads (matplotlib, Agg backend)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from deltavault.lab.frontier import Point, by_family, efficient

COLORS = {
    "fixed interval": "tab:gray",
    "fixed band": "tab:blue",
    "vol-adjusted": "tab:purple",
    "cost-aware (former)": "tab:orange",
    "cost-aware": "tab:red",
    "band + 1 day": "tab:cyan",
    "cost + 1 day": "tab:olive",
}


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def frontier_plot(points: list[Point], marked: list[Point], title: str, out: Path) -> None:
    """Risk (x) against cost (y, log) for every family: its points faint, its efficient curve solid; the
    overall frontier dashed; `marked` policies (default, demo, tuned) as labelled stars."""
    plt = _pyplot()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(10, 6.5))
    for fam, pts in by_family(points).items():
        color = COLORS.get(fam, "black")
        ax.scatter([p.risk for p in pts], [p.cost for p in pts], s=10, color=color, alpha=0.3)
        eff = efficient(pts)
        ax.plot([p.risk for p in eff], [p.cost for p in eff], "-o", ms=3, lw=1.4, color=color, label=fam)
    eff = efficient(points)
    ax.plot([p.risk for p in eff], [p.cost for p in eff], "--", color="black", lw=1, label="frontier (all)")
    for p, marker in zip(marked, ("*", "P", "D", "X"), strict=False):
        ax.scatter([p.risk], [p.cost], marker=marker, s=110, color="black", zorder=5,
                   label=f"{p.policy.name}: risk {p.risk:.3f}, cost {p.cost:.3f}")  # fmt: skip
    ax.set_yscale("log")
    ax.set_xscale("log")
    ax.set_xlabel("risk: std of P&L (book + hedge) / premium")
    ax.set_ylabel("cost: mean hedging cost (fee + impact + bounty + borrow) / premium")
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="upper right")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def backtest_plot(trace: dict, title: str, out: Path, start: datetime | None = None) -> None:
    """Four panels on a real time axis (hours, or dates when `start` is given): price with the rebalances (and
    the vault's implied vol mark);
    portfolio delta before and after the keeper with the target +- band; base held; P&L (NAV change of book
    + hedge) and cumulative costs."""
    plt = _pyplot()
    out.parent.mkdir(parents=True, exist_ok=True)
    seconds = trace["time"]
    if start is not None:
        x = [start + timedelta(seconds=float(s)) for s in seconds]
        xlabel = "date (UTC)"
    else:
        x = seconds / 3600.0
        xlabel = "hours since start"
    x = np.array(x)
    hit = trace["rebalanced"].astype(bool)
    fig, axes = plt.subplots(4, 1, figsize=(12, 11), sharex=True, height_ratios=[2, 2, 1.3, 1.5])
    ax = axes[0]
    ax.plot(x, trace["price"], color="black", lw=0.9, label="ETH price")
    ax.scatter(
        x[hit], trace["price"][hit], s=14, color="tab:orange", zorder=3, label=f"rebalance ({hit.sum()})"
    )
    ax.set_ylabel("USD per ETH")
    ax.legend(loc="upper left", fontsize=8)
    ax.set_title(title)
    if "vol" in trace:
        vol_ax = ax.twinx()
        vol_ax.plot(x, 100 * trace["vol"], color="tab:purple", lw=0.9, drawstyle="steps-post",
                    label="vault's implied vol mark (right)")  # fmt: skip
        vol_ax.set_ylabel("implied vol (%)", color="tab:purple")
        vol_ax.set_ylim(0, 1.15 * 100 * max(trace["vol"].max(), 0.01))
        vol_ax.legend(loc="upper right", fontsize=8)
    ax = axes[1]
    target = trace["target"]
    ax.fill_between(x, target - trace["band"], target + trace["band"], step="mid", color="tab:blue", alpha=0.15,
                    label="target +- band")  # fmt: skip
    ax.plot(x, trace["delta_before"], color="tab:red", lw=0.7, label="delta before the keeper")
    ax.plot(x, trace["delta"], color="tab:blue", lw=0.9, label="delta after the keeper")
    ax.axhline(0, color="grey", lw=0.5)
    # A cost-aware band is very wide whenever the deviation or gamma is tiny: keep the axis on the deltas.
    reach = max(np.percentile(np.abs(trace["delta_before"] - target), 99.5), np.median(trace["band"]))
    ax.set_ylim(-1.4 * reach + target.min(), 1.4 * reach + target.max())
    ax.set_ylabel("portfolio delta (ETH)")
    ax.legend(loc="best", fontsize=8)
    ax = axes[2]
    ax.plot(x, trace["hedge"], color="tab:green", lw=1)
    ax.axhline(0, color="grey", lw=0.5)
    ax.set_ylabel("hedge held (ETH)")
    ax = axes[3]
    ax.plot(x, trace["pnl"], color="black", lw=1, label="P&L of book + hedge (NAV change)")
    ax.plot(x, trace["cost"], color="tab:orange", lw=1, label="cumulative hedging cost")
    ax.axhline(0, color="grey", lw=0.5)
    ax.set_ylabel("USD")
    ax.set_xlabel(xlabel)
    ax.legend(loc="best", fontsize=8)
    for a in axes:
        a.grid(True, alpha=0.3)
    if start is not None:
        fig.autofmt_xdate()
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
