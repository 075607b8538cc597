"""The frontier's bookkeeping: efficient points, cost at equal risk, tuning within a budget, policy files."""

import json
import math

import numpy as np
import pytest

from deltavault.lab.errors import LabError
from deltavault.lab.frontier import (
    Point,
    cost_at_risk,
    dataclass_values,
    default_policy,
    deployable,
    efficient,
    families,
    load_policy,
    policy_json,
    risk_resolution,
    robust_candidates,
    robust_tune,
    standard_scenarios,
    tune,
)
from deltavault.lab.paths import Grid
from deltavault.lab.rules import check_policy
from deltavault.lab.sim import LabPolicy, Result


def _point(risk: float, cost: float, rule: str = "fixed", name: str = "p") -> Point:
    # A result whose std of P&L / premium is `risk` and mean cost / premium is `cost` (premium 1).
    pnl = np.array([-risk, risk])
    costs = {c: np.zeros(2) for c in ("fee", "impact", "bounty", "borrow")}
    costs["fee"] = np.full(2, cost)
    result = Result(1.0, pnl, costs, np.zeros(2), np.zeros(2), np.zeros(2), 30.0)
    return Point("f", 0.0, LabPolicy(default_policy().hedge, rule, name), result)


def test_efficient__dominated_points__dropped():
    pts = [_point(0.1, 1.0), _point(0.2, 0.5), _point(0.15, 2.0), _point(0.3, 0.6), _point(0.4, 0.1)]
    assert [(p.risk, p.cost) for p in efficient(pts)] == [(0.1, 1.0), (0.2, 0.5), (0.4, 0.1)]


def test_cost_at_risk__between_points__log_log_interpolation():
    pts = [_point(0.1, 1.0), _point(0.4, 0.25)]
    # cost ~ risk^-1 between the two points: at 0.2, 0.5.
    assert cost_at_risk(pts, 0.2) == pytest.approx(0.5)
    assert math.isnan(cost_at_risk(pts, 0.05))  # safer than any point
    assert cost_at_risk(pts, 1.0) == 0.25  # beyond the riskiest: its cost


def _paths_point(pnl: np.ndarray, cost: float, rule: str = "fixed") -> Point:
    costs = {c: np.zeros(len(pnl)) for c in ("fee", "impact", "bounty", "borrow")}
    costs["fee"] = np.full(len(pnl), cost)
    z = np.zeros(len(pnl))
    return Point(
        "f", 0.0, LabPolicy(default_policy().hedge, rule, "p"), Result(1.0, pnl, costs, z, z, z, 30.0)
    )


def test_deployable__former_cost_rule__left_out_of_the_frontier():
    pts = [_point(0.1, 1.0), _point(0.2, 0.1, "ww"), _point(0.3, 0.5)]
    assert [p.risk for p in deployable(pts)] == [0.1, 0.3]
    assert cost_at_risk(deployable(pts), 0.2) > 0.5  # the former rule's cheap point no longer sets it


def test_risk_resolution__paired_bootstrap__zero_for_the_same_paths_and_grows_with_noise():
    rng = np.random.default_rng(3)
    common = rng.standard_normal(400)
    point = _paths_point(common, 1.0)
    same = [_paths_point(1.01 * common, 0.5)]  # measurably riskier on every resample: tiny error
    noisy = [_paths_point(common + 0.5 * rng.standard_normal(400), 0.5)]
    assert risk_resolution(point, same) < 1e-3
    assert 0.01 < risk_resolution(point, noisy) < 0.1
    assert math.isnan(risk_resolution(point, []))


def test_tune__risk_budget__cheapest_within_it_and_only_deployable_rules():
    # DeltaHedger's cost rule by default; the former rule only when asked for.
    pts = [_point(0.1, 1.0, name="a"), _point(0.2, 0.5, name="b"), _point(0.19, 0.1, "ww", "c")]
    assert tune(pts, max_risk=0.25).policy.name == "b"
    assert tune(pts, max_risk=0.25, cost_rule="ww").policy.name == "c"
    assert tune(pts, max_cost=0.6).policy.name == "b"
    with pytest.raises(LabError, match="no policy reaches risk 0.05"):
        tune(pts, max_risk=0.05)


def test_families__every_policy__inside_the_contract_bounds():
    for scale in (0.25, 1.0, 4.0):
        for rows in families(scale).values():
            for _, policy in rows:
                check_policy(policy.hedge, policy.name)


def test_policy_json__round_trip_and_dataclass_text(tmp_path):
    policy = families()["cost-aware (former)"][4][1]
    f = tmp_path / "p.json"
    f.write_text(json.dumps(policy_json(policy)))
    loaded = load_policy(str(f))
    assert loaded.hedge == policy.hedge and loaded.cost_rule == "ww"
    assert dataclass_values(policy).startswith("HedgePolicy(rules=Rules.COST, ")


def test_default_policy__one_of_the_robust_candidates():
    """HedgePolicy()'s rule fields are those of a candidate `ape run lab tune --robust` searches (the unused
    threshold band aside)."""
    default = default_policy().hedge
    assert any(c.hedge.with_(band=default.band) == default for c in robust_candidates())


def test_robust_tune__small_run__within_budget_and_least_worst_ratio_first():
    scenarios = standard_scenarios()[:2]
    grid = Grid(days=2, step_seconds=1800)
    candidates = robust_candidates()[::8]
    rows = robust_tune(scenarios, scenarios[1], max_risk=10.0, n_paths=8, grid=grid, seed=3,
                       candidates=candidates)  # fmt: skip
    assert len(rows) == len(candidates) and all(len(r.ratios) == 2 for r in rows)
    worst = [max(0.0 if math.isnan(x) else x for x in r.ratios) for r in rows]
    assert worst == sorted(worst)
    with pytest.raises(LabError, match="no candidate reaches risk"):
        robust_tune(
            scenarios, scenarios[1], max_risk=1e-9, n_paths=8, grid=grid, seed=3, candidates=candidates
        )
