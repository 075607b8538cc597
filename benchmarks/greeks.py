"""Gas and accuracy of `BlackScholes` (through `GreeksHarness`) against a 50-digit mpmath reference.

Points: POINTS seeded random points of the accurate domain (log-uniform spot and moneyness, uniform time, vol and
rate, calls and puts) plus an edge grid of its corners and midpoints. Every point is evaluated with raw, batched
`eth_call`s on a local anvil started (and stopped) through Ape. Errors are in the units of the targets:
price / spot, delta, |gamma spot error| / max(1, gamma spot), vega / spot.
"""

import importlib.util
import itertools
import math
import random
import statistics
import time
from pathlib import Path

import requests
from eth_abi import decode, encode
from eth_utils import keccak

from deltavault.bench import report

SEED = 20240601
POINTS = 10_000
BATCH = 500
WAD = 10**18
YEAR = 365 * 24 * 3600
ARGS = ["uint256", "uint256", "uint256", "uint256", "int256", "bool"]
SIGNATURE = "(uint256,uint256,uint256,uint256,int256,bool)"
# greek: (error unit, max error target, median gas target); price, gamma and vega share the all-four greeksGas.
TARGETS = {
    "price": ("price error / spot", 1e-12, 8_000),
    "delta": ("delta abs error", 1e-12, 4_000),
    "gamma": ("gamma*spot error / max(1, gamma*spot)", 1e-10, 8_000),
    "vega": ("vega error / spot", 1e-12, 8_000),
}


def _reference():
    # tests/ is not an importable package (a site-packages `tests` shadows it), so load the module by path.
    path = Path(__file__).resolve().parent.parent / "tests" / "utils" / "black_scholes.py"
    spec = importlib.util.spec_from_file_location("black_scholes_reference", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def random_points(seed: int, count: int) -> list[tuple]:
    rng = random.Random(seed)
    points = []
    for _ in range(count):
        spot = int(10 ** rng.uniform(-3, 7) * WAD)
        strike = int(spot * 10 ** rng.uniform(math.log10(0.25), math.log10(4)))
        tau = rng.randint(3600, 2 * YEAR)
        vol = rng.randint(10**17, 3 * 10**18)
        rate = rng.randint(0, 2 * 10**17)
        points.append((spot, strike, tau, vol, rate, rng.random() < 0.5))
    return points


def edge_grid() -> list[tuple]:
    spots = [10**15, WAD, 3000 * WAD, 10**25]
    moneyness = [(1, 4), (1, 2), (1, 1), (2, 1), (4, 1)]
    taus = [3600, 86400, 30 * 86400, YEAR, 2 * YEAR]
    vols = [10**17, 8 * 10**17, 3 * WAD]
    rates = [0, 5 * 10**16, 2 * 10**17]
    return [
        (spot, spot * num // den, tau, vol, rate, is_call)
        for spot, (num, den), tau, vol, rate, is_call in itertools.product(
            spots, moneyness, taus, vols, rates, (True, False)
        )
    ]


class Caller:
    """Batched JSON-RPC `eth_call`s to one contract."""

    def __init__(self, uri: str, address: str):
        self.uri, self.address, self.session = uri, address, requests.Session()

    def call(self, signature: str, out_types: list[str], points: list[tuple]) -> list[tuple]:
        selector = keccak(text=signature)[:4]
        results = []
        for start in range(0, len(points), BATCH):
            chunk = points[start : start + BATCH]
            payload = [
                {
                    "jsonrpc": "2.0",
                    "id": i,
                    "method": "eth_call",
                    "params": [
                        {"to": self.address, "data": "0x" + (selector + encode(ARGS, p)).hex()},
                        "latest",
                    ],
                }
                for i, p in enumerate(chunk)
            ]
            replies = sorted(
                self.session.post(self.uri, json=payload, timeout=120).json(), key=lambda r: r["id"]
            )
            for reply in replies:
                if "error" in reply:
                    raise RuntimeError(f"eth_call failed: {reply['error']}")
                results.append(decode(out_types, bytes.fromhex(reply["result"][2:])))
        return results


def measure(points: list[tuple]) -> tuple[list, list, list]:
    from ape import accounts, networks, project

    with networks.parse_network_choice("ethereum:local:foundry", disconnect_after=True) as provider:
        harness = project.GreeksHarness.deploy(sender=accounts.test_accounts[0])
        caller = Caller(provider.http_uri, harness.address)
        greeks = caller.call(f"greeks{SIGNATURE}", ["uint256", "int256", "uint256", "uint256"], points)
        delta_gas = caller.call(f"deltaGas{SIGNATURE}", ["int256", "uint256"], points)
        greeks_gas = caller.call(f"greeksGas{SIGNATURE}", ["uint256"], points)
    return greeks, delta_gas, [g for (g,) in greeks_gas]


def _input(point: tuple) -> dict:
    spot, strike, tau, vol, rate, is_call = point
    return {"spot": spot, "strike": strike, "timeToExpiry": tau, "vol": vol, "rate": rate, "isCall": is_call}


def main() -> bool:
    started = time.monotonic()
    reference = _reference()
    randoms, grid = random_points(SEED, POINTS), edge_grid()
    points = randoms + grid
    greeks, delta_gas, greeks_gas = measure(points)

    worst = {key: (-1.0, None) for key in TARGETS}
    for point, result, (delta, _) in zip(points, greeks, delta_gas, strict=True):
        if delta != result[1]:
            raise AssertionError(f"deltaGas and greeks disagree at {point}")
        err = reference.errors(result, *point)
        for key, value in (
            ("price", err.price_over_spot),
            ("delta", err.delta),
            ("gamma", err.gamma_spot),
            ("vega", err.vega_over_spot),
        ):
            if value > worst[key][0]:
                worst[key] = (value, point)

    delta_gas_values = [gas for _, gas in delta_gas]
    rows = []
    for key, (unit, error_target, gas_target) in TARGETS.items():
        gas = delta_gas_values if key == "delta" else greeks_gas
        error, point = worst[key]
        row = {
            "name": f"greeks.{key}",
            "gas_source": "deltaGas" if key == "delta" else "greeksGas (all four)",
            "gas_median": int(statistics.median(gas)),
            "gas_max": max(gas),
            "gas_target_median": gas_target,
            "max_abs_error": error,
            "error_unit": unit,
            "error_target": error_target,
            "worst_input": _input(point),
            "points": len(points),
            "random_points": len(randoms),
            "grid_points": len(grid),
            "seed": SEED,
        }
        row["targets_met"] = row["gas_median"] <= gas_target and error <= error_target
        row["worst"] = "S={spot:.4g} K={strike:.4g} tau={tau}s vol={vol:.4g} r={rate:.4g} {kind}".format(
            spot=point[0] / WAD,
            strike=point[1] / WAD,
            tau=point[2],
            vol=point[3] / WAD,
            rate=point[4] / WAD,
            kind="call" if point[5] else "put",
        )
        rows.append(row)

    return report(
        f"BlackScholes greeks: {len(randoms):,} random points (seed {SEED}) + {len(grid)} edge-grid points, "
        f"accurate domain ({time.monotonic() - started:.0f} s)",
        rows,
        [
            ("name", "greek"),
            ("gas_source", "gas measured by"),
            ("gas_median", "gas median"),
            ("gas_max", "gas max"),
            ("max_abs_error", "max error"),
            ("error_target", "target"),
            ("error_unit", "error unit"),
            ("worst", "worst input"),
            ("targets_met", "met"),
        ],
    )
    for row in rows:
        row.pop("worst")


if __name__ == "__main__":
    raise SystemExit(0 if main() else 1)
