"""Policy families, the risk/cost frontier, the standard scenarios and tuning.

A *family* is one rule with one parameter swept: fixed interval (time rule), fixed band (threshold),
volatility-adjusted band, cost-aware band (DeltaHedger's fixed + proportional cost rule of
`RebalanceLib.fixedCostBand`), and combinations (threshold + time, cost + time). Every policy of every family
runs on the same paths (`simulate_many`); the *frontier* is the set of policies no other policy beats on both
risk (std of P&L / premium) and cost (mean cost / premium). Comparisons "at equal risk" interpolate a family's
efficient points in log-log space at the reference risk. `robust_tune` picks the cost-aware policy whose worst
cost / frontier ratio over the standard scenarios is least within a risk budget on one of them (the default of
`deltavault.policy.HedgePolicy`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

from deltavault.lab.book import Book, load_book
from deltavault.lab.errors import LabError
from deltavault.lab.marks import Marking, manager_marks
from deltavault.lab.paths import Grid, eth_history, garch_fit, garch_t, history, make_paths
from deltavault.lab.rules import check_policy
from deltavault.lab.sim import LabPolicy, Market, Result, simulate_many
from deltavault.policy import WAD, HedgePolicy, Rules

HOUR = 3600
DAY = 86_400


def default_policy() -> LabPolicy:
    """`deltavault.policy.HedgePolicy`'s default for a 6-decimal quote token."""
    return LabPolicy(HedgePolicy.for_quote_decimals(6), name="default")


def demo_policy() -> LabPolicy:
    """The policy scripts/demo.py deploys."""
    hp = HedgePolicy.for_quote_decimals(6)
    return LabPolicy(hp, name="demo")


def _wad(x: float) -> int:
    return int(round(x * WAD))


def families(scale: float = 1.0) -> dict[str, list[tuple[float, LabPolicy]]]:
    """Each family's (parameter, policy) list. `scale` multiplies the bands (the book's size relative to the
    standard ~60-option books), so a bigger book sweeps proportionally wider bands."""
    base = HedgePolicy.for_quote_decimals(6, hedge_cap=_wad(50 * max(1, math.ceil(scale))))
    tiny = 10**12
    bands = [0.1, 0.2, 0.35, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.5, 6.0, 9.0]
    intervals = [300, 900, 1800, HOUR, 2 * HOUR, 4 * HOUR, 8 * HOUR, 12 * HOUR, DAY, 2 * DAY, 4 * DAY]
    aversions = [10 ** (e / 2) for e in range(-14, 1)]  # 1e-7 .. 1 per quote unit

    def pol(name, **kw):
        return LabPolicy(base.with_(**{k: v for k, v in kw.items() if k != "cost_rule"}),
                         kw.get("cost_rule", "fixed"), name)  # fmt: skip

    out: dict[str, list[tuple[float, LabPolicy]]] = {}
    out["fixed interval"] = [
        (i, pol(f"interval {i / HOUR:g} h", rules=Rules.TIME, band=tiny, min_band=tiny, max_interval=i))
        for i in intervals
    ]
    out["fixed band"] = [
        (b * scale, pol(f"band {b * scale:g}", rules=Rules.THRESHOLD, band=_wad(b * scale), min_band=tiny))
        for b in bands
    ]
    out["vol-adjusted"] = [
        (
            b * scale,
            pol(
                f"vol band {b * scale:g}",
                rules=Rules.VOLATILITY,
                band=_wad(b * scale),
                min_band=tiny,
                max_interval=30 * DAY,
            ),
        )  # fmt: skip
        for b in bands
    ]
    out["cost-aware (former)"] = [
        (
            a,
            pol(
                f"former cost ra {a:g}",
                rules=Rules.COST,
                risk_aversion=max(1, _wad(a)),
                band=_wad(scale),
                min_band=tiny,
                cost_rule="ww",
            ),
        )
        for a in aversions
    ]
    out["cost-aware"] = [
        (
            a,
            pol(
                f"cost ra {a:g}",
                rules=Rules.COST,
                risk_aversion=max(1, _wad(a)),
                band=_wad(scale),
                min_band=tiny,
            ),
        )  # fmt: skip
        for a in aversions
    ]
    out["band + 1 day"] = [
        (
            b * scale,
            pol(
                f"band {b * scale:g} + 1 d",
                rules=Rules.THRESHOLD | Rules.TIME,
                band=_wad(b * scale),
                min_band=_wad(0.05 * scale),
                max_interval=DAY,
            ),
        )  # fmt: skip
        for b in bands
    ]
    out["cost + 1 day"] = [
        (
            a,
            pol(
                f"cost ra {a:g} + 1 d",
                rules=Rules.COST | Rules.TIME,
                risk_aversion=max(1, _wad(a)),
                band=_wad(scale),
                min_band=_wad(0.05 * scale),
                max_interval=DAY,
            ),
        )  # fmt: skip
        for a in aversions
    ]
    return out


# ---------------------------------------------------------------------------------------------------------
# Scenarios
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    name: str
    book: str  # a standard book name or a book file
    model: str  # gbm, merton, garch-t, history
    vol: float = 0.8  # GBM / Merton diffusion vol; also the vault's implied vol for them
    allow_short: bool = False
    # GARCH-t and history: the manager re-marks the vault's implied vol daily to the trailing 30-day realized
    # vol through setImpliedVol (`deltavault.lab.marks`); False keeps one constant mark (`implied_vol`).
    remark: bool = True

    def market_paths(self, n_paths: int, grid: Grid, *, spot: float, seed: int):
        """(paths, the vault's implied vol): one value, or the manager's marks per check and path."""
        if self.remark and self.model in ("garch-t", "history"):
            maker = garch_t if self.model == "garch-t" else history
            paths, prior = maker(n_paths, grid, spot=spot, seed=seed, prior=True)
            marking = Marking(long_run_vol=None if self.model == "garch-t" else self.implied_vol())
            return paths, manager_marks(prior, paths, grid, marking)
        paths = make_paths(self.model, n_paths, grid, spot=spot, vol=self.vol, seed=seed)
        return paths, self.implied_vol()

    def implied_vol(self) -> float:
        """The vault's constant implied vol: the path vol for GBM/Merton, the fitted unconditional vol for
        GARCH-t, the realized vol of the whole history for the history replay (when not re-marked)."""
        if self.model in ("gbm", "merton"):
            return self.vol
        if self.model == "garch-t":
            p = garch_fit().params
            return math.sqrt(p["omega"] / (1 - p["alpha[1]"] - p["beta[1]"]) * 365) / 100
        close = eth_history()[0]
        return float(np.std(np.diff(np.log(close))) * math.sqrt(365))

    def market(self) -> Market:
        return Market(allow_short=self.allow_short)


def standard_scenarios() -> list[Scenario]:
    """Demo book (long-only hedge, as DeltaHedger today) and put-heavy book (short hedge with 5 % borrow, as
    the short leg will allow); GBM at vol 0.5, 0.8, 1.2; GARCH(1,1)-t; real ETH/USD history."""
    out = []
    for book, short in (("demo", False), ("put-heavy", True)):
        for vol in (0.5, 0.8, 1.2):
            out.append(Scenario(f"{book} / GBM {vol:g}", book, "gbm", vol, short))
        out.append(Scenario(f"{book} / GARCH-t", book, "garch-t", 0.8, short))
        out.append(Scenario(f"{book} / history", book, "history", 0.8, short))
    return out


@dataclass
class Point:
    family: str
    param: float
    policy: LabPolicy
    result: Result

    @property
    def risk(self) -> float:
        return self.result.risk

    @property
    def cost(self) -> float:
        return self.result.cost


def run_policies(
    scenario: Scenario,
    policies: list[LabPolicy],
    *,
    n_paths: int,
    grid: Grid,
    seed: int,
    book: Book | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[Result]:
    book = book or load_book(scenario.book)
    paths, vol = scenario.market_paths(n_paths, grid, spot=book.spot, seed=seed)
    return simulate_many(
        book, paths, grid, policies, scenario.market(), seed=seed + 1, implied_vol=vol, progress=progress,
    )  # fmt: skip


def sweep(
    scenario: Scenario,
    *,
    n_paths: int,
    grid: Grid,
    seed: int,
    extra: list[LabPolicy] = (),
    book: Book | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[list[Point], list[Point]]:
    """Every family's points and the `extra` policies (e.g. the default), on the same paths."""
    book = book or load_book(scenario.book)
    # Bands sweep around the standard books' (~60 options); a book 4x bigger sweeps 4x wider bands.
    scale = 2.0 ** round(math.log2(sum(s.sold for s in book.series) / 60.0))
    fams = families(scale)
    flat = [(fam, param, pol) for fam, rows in fams.items() for param, pol in rows]
    policies = [pol for _, _, pol in flat] + list(extra)
    results = run_policies(scenario, policies, n_paths=n_paths, grid=grid, seed=seed, book=book,
                           progress=progress)  # fmt: skip
    points = [Point(f, p, pol, r) for (f, p, pol), r in zip(flat, results[: len(flat)], strict=True)]
    extras = [Point("extra", 0.0, pol, r) for pol, r in zip(extra, results[len(flat) :], strict=True)]
    return points, extras


def efficient(points: list[Point]) -> list[Point]:
    """The points no other point beats on both risk and cost, by increasing risk."""
    pts = sorted(points, key=lambda p: (p.risk, p.cost))
    out, best = [], math.inf
    for p in pts:
        if p.cost < best:
            out.append(p)
            best = p.cost
    return out


def cost_at_risk(points: list[Point], risk: float) -> float:
    """Cost of the efficient curve of `points` at `risk` (log-log interpolation between efficient points);
    the cheapest point within `risk` when `risk` is beyond the curve's riskiest point; NaN when no point is
    that safe."""
    eff = efficient(points)
    if not eff or risk < eff[0].risk:
        return math.nan
    if risk >= eff[-1].risk:
        return eff[-1].cost
    for a, b in zip(eff, eff[1:], strict=False):
        if a.risk <= risk <= b.risk:
            if a.cost <= 0 or b.cost <= 0 or a.risk <= 0:
                return min(a.cost, b.cost)
            w = (math.log(risk) - math.log(a.risk)) / (math.log(b.risk) - math.log(a.risk))
            return math.exp(math.log(a.cost) + w * (math.log(b.cost) - math.log(a.cost)))
    return math.nan


def deployable(points: list[Point]) -> list[Point]:
    """The points DeltaHedger can run (its fixed + proportional cost rule; not the former rule)."""
    return [p for p in points if p.policy.cost_rule == "fixed"]


def risk_resolution(point: Point, points: list[Point], *, resamples: int = 500, seed: int = 0) -> float:
    """How finely the paths tell risks apart near `point`: the largest bootstrap standard error (resampling
    paths, both policies on the same resample) of the risk difference between `point` and the efficient points
    of `points` that bracket its risk (the nearest one when its risk is outside the curve). A frontier point
    closer in risk than this is not measurably safer or riskier than `point` on these paths."""
    eff = efficient(points)
    if not eff:
        return math.nan
    below = [q for q in eff if q.risk <= point.risk]
    above = [q for q in eff if q.risk > point.risk]
    near = ([below[-1]] if below else []) + ([above[0]] if above else [])
    rng = np.random.default_rng(seed)
    n = len(point.result.pnl)
    idx = rng.integers(0, n, (resamples, n))
    base = point.result.pnl[idx].std(axis=1) / point.result.premium
    return max(float(np.std(q.result.pnl[idx].std(axis=1) / q.result.premium - base)) for q in near)


def by_family(points: list[Point]) -> dict[str, list[Point]]:
    out: dict[str, list[Point]] = {}
    for p in points:
        out.setdefault(p.family, []).append(p)
    return out


# ---------------------------------------------------------------------------------------------------------
# Tuning and policy files
# ---------------------------------------------------------------------------------------------------------


def tune(points: list[Point], *, max_risk: float | None = None, max_cost: float | None = None,
         cost_rule: str = "fixed") -> Point:  # fmt: skip
    """The cheapest point within `max_risk` (or the safest within `max_cost`) among the policies the contract
    runs with `cost_rule` ("fixed": DeltaHedger's cost rule; "ww": the former rule, for comparison)."""
    pool = [p for p in points if p.policy.cost_rule == cost_rule]
    if max_risk is not None:
        ok = [p for p in pool if p.risk <= max_risk]
        if not ok:
            raise LabError(
                f"no policy reaches risk {max_risk:g} x premium (safest: {min(p.risk for p in pool):.3f})"
            )
        return min(ok, key=lambda p: p.cost)
    if max_cost is not None:
        ok = [p for p in pool if p.cost <= max_cost]
        if not ok:
            raise LabError(
                f"no policy costs at most {max_cost:g} x premium (cheapest: {min(p.cost for p in pool):.3f})"
            )
        return min(ok, key=lambda p: p.risk)
    raise LabError("tune needs a risk budget or a cost budget")


def policy_json(policy: LabPolicy) -> dict:
    """The policy file `load_policy` reads: HedgePolicy's fields (integers in the contract's units), the cost
    rule, and the name."""
    hp = check_policy(policy.hedge)
    data = {
        f.name: (bool(v) if isinstance(v, bool) else int(v))
        for f, v in zip(fields(hp), hp.as_tuple(), strict=True)
    }
    return {"name": policy.name, "cost_rule": policy.cost_rule, "policy": data}


def deployable_policy(path: str) -> HedgePolicy:
    """The `HedgePolicy` of a policy file for DeltaHedger (`ape run deploy vault --policy`, `ape run vault
    set-policy`): `load_policy`'s checks, and the file must be for the contract's cost rule ("fixed")."""
    lab = load_policy(path)
    if lab.cost_rule != "fixed":
        raise LabError(
            f'{path}: `cost_rule` is {lab.cost_rule!r}, the lab\'s former rule: DeltaHedger runs "fixed"'
        )
    return lab.hedge


def load_policy(path: str) -> LabPolicy:
    """A policy file (`policy_json`'s format); any unknown field or a value outside the contract's bounds
    raises a one-line LabError."""
    p = Path(path)
    if not p.is_file():
        raise LabError(f"{path}: no such policy file")
    try:
        data = json.loads(p.read_text())
    except json.JSONDecodeError as exc:
        raise LabError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(data, dict) or not isinstance(data.get("policy"), dict):
        raise LabError(f"{path}: expected an object with a `policy` object")
    names = {f.name for f in fields(HedgePolicy)}
    unknown = set(data["policy"]) - names
    if unknown:
        raise LabError(f"{path}: unknown policy field `{sorted(unknown)[0]}`")
    rule = data.get("cost_rule", "fixed")
    if rule not in ("ww", "fixed"):
        raise LabError(f'{path}: `cost_rule` must be "ww" or "fixed", got {rule!r}')
    values = dict(data["policy"])
    if "rules" in values and isinstance(values["rules"], int) and not isinstance(values["rules"], bool):
        values["rules"] = int(values["rules"])
    hp = check_policy(HedgePolicy.for_quote_decimals(6).with_(**values), path)
    return LabPolicy(hp, rule, str(data.get("name", p.stem)))


def dataclass_values(policy: LabPolicy) -> str:
    """The policy as keyword arguments of `HedgePolicy`, for deltavault/policy.py."""
    hp = policy.hedge
    parts = []
    for f in fields(hp):
        v = getattr(hp, f.name)
        if f.name == "rules":
            parts.append(f"rules={' | '.join(f'Rules.{r.name}' for r in Rules if v & r)}")
        else:
            parts.append(f"{f.name}={v!r}")
    return "HedgePolicy(" + ", ".join(parts) + ")"


# ---------------------------------------------------------------------------------------------------------
# One risk aversion across book sizes
# ---------------------------------------------------------------------------------------------------------


@dataclass
class ScaleRow:
    scale: float
    cost_rule: str
    best_aversion: float  # the aversion whose policy minimises E[cost] + (true / 2) Var(P&L)
    objective_at_true: float  # that objective at the true aversion, relative to its minimum
    risk: float
    cost: float


def scale_study(
    scenario: Scenario,
    *,
    true_aversion: float,
    scales: tuple[float, ...] = (0.25, 1.0, 4.0),
    n_paths: int,
    grid: Grid,
    seed: int,
    progress: Callable[[int], None] | None = None,
) -> list[ScaleRow]:
    """For each book size, sweep the cost rule's riskAversion and find the value whose policy minimises the
    mean-variance objective E[cost] + (true_aversion / 2) Var(P&L) (quote units): the objective both
    cost rules are derived from. A rule "works across book sizes" when that value stays at `true_aversion`."""
    base_book = load_book(scenario.book)
    aversions = [true_aversion * 10 ** (e / 4) for e in range(-8, 9)]
    rows = []
    for scale in scales:
        book = base_book.scaled(scale)
        policies = [
            LabPolicy(HedgePolicy.for_quote_decimals(6, rules=Rules.COST, risk_aversion=max(1, _wad(a)),
                                                     min_band=10**12, band=_wad(scale),
                                                     hedge_cap=_wad(1000 * scale)), rule, f"{rule} {a:g}")
            for rule in ("ww", "fixed") for a in aversions
        ]  # fmt: skip
        results = run_policies(scenario, policies, n_paths=n_paths, grid=grid, seed=seed, book=book,
                               progress=progress)  # fmt: skip
        for k, rule in enumerate(("ww", "fixed")):
            chunk = results[k * len(aversions) : (k + 1) * len(aversions)]
            objective = [r.total_cost.mean() + true_aversion / 2 * r.pnl.var() for r in chunk]
            best = int(np.argmin(objective))
            at_true = objective[len(aversions) // 2]
            rows.append(ScaleRow(scale, rule, aversions[best], at_true / objective[best], chunk[best].risk,
                                 chunk[best].cost))  # fmt: skip
    return rows


# ---------------------------------------------------------------------------------------------------------
# Robust tuning: one policy for every standard scenario
# ---------------------------------------------------------------------------------------------------------


def robust_candidates(scale: float = 1.0) -> list[LabPolicy]:
    """The cost-aware rule (DeltaHedger's) with riskAversion 1e-5 .. 1e-2 per quote unit (steps of 10^0.25),
    minBand 0.05 or 0.25 ETH, alone or with the 1-day time rule."""
    base = HedgePolicy.for_quote_decimals(6, hedge_cap=_wad(50 * max(1, math.ceil(scale))))
    out = []
    for e in range(-20, -7):
        a = 10 ** (e / 4)
        for min_band in (0.05, 0.25):
            for rules, suffix in ((Rules.COST, ""), (Rules.COST | Rules.TIME, " + 1 d")):
                hp = base.with_(rules=rules, risk_aversion=max(1, _wad(a)), band=_wad(scale),
                                min_band=_wad(min_band * scale), max_interval=DAY)  # fmt: skip
                out.append(LabPolicy(hp, "fixed", f"cost ra {a:.3g} min {min_band:g}{suffix}"))
    return out


@dataclass
class RobustRow:
    policy: LabPolicy
    reference_risk: float  # risk on the reference scenario
    ratios: list[float]  # cost / frontier cost at the policy's own risk, per scenario

    @property
    def worst(self) -> float:
        return max(self.ratios)


def robust_tune(
    scenarios: list[Scenario],
    reference: Scenario,
    *,
    max_risk: float,
    n_paths: int,
    grid: Grid,
    seed: int,
    candidates: list[LabPolicy] | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[RobustRow]:
    """Every candidate on every scenario beside the families (same paths): its cost over the frontier's cost at
    its own risk (the frontier of the families DeltaHedger runs), per scenario. Returns the candidates within
    `max_risk` on `reference`, the one with the smallest worst ratio first."""
    candidates = candidates if candidates is not None else robust_candidates()
    ratios: list[list[float]] = [[] for _ in candidates]
    reference_risk = [math.nan] * len(candidates)
    for scenario in scenarios:
        points, extras = sweep(scenario, n_paths=n_paths, grid=grid, seed=seed, extra=candidates,
                               progress=progress)  # fmt: skip
        runnable = deployable(points)
        for k, p in enumerate(extras):
            front = cost_at_risk(runnable, p.risk)
            ratios[k].append(p.cost / front if front > 0 else (1.0 if p.cost == 0 else math.inf))
            if scenario == reference:
                reference_risk[k] = p.risk
    rows = [RobustRow(c, r, q) for c, r, q in zip(candidates, reference_risk, ratios, strict=True)]
    ok = [row for row in rows if row.reference_risk <= max_risk]
    if not ok:
        raise LabError(f"no candidate reaches risk {max_risk:g} x premium on {reference.name}")
    # NaN (safer than the whole frontier) counts as on the frontier.
    return sorted(ok, key=lambda row: max(0.0 if math.isnan(x) else x for x in row.ratios))
