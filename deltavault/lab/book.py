"""Option books for the lab: the series a vault has written, valued and hedged by Black-Scholes (numpy/scipy).

A book is a list of series the vault is short (`sold` options each) plus the spot it was written at and the
implied volatility the vault marks it with. Book files are JSON:

    {"spot": 2000, "implied_vol": 0.8,
     "series": [{"type": "put", "strike": 2000, "expiry_days": 30, "sold": 30},
                {"type": "call", "strike": 2200, "cap": 400, "expiry_days": 30, "sold": 10}]}

`type` is "call" or "put"; a call pays min(max(S - K, 0), cap) (a call spread K / K + cap; no `cap` or 0: an
uncapped call); `expiry_days` counts from the start of the simulation; `sold` is the number of options the
vault wrote (positive). The vault's delta is -sum(sold x option delta) plus the base it holds.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.special import ndtr

from deltavault.lab.errors import LabError

YEAR_SECONDS = 365 * 86_400
_SERIES_KEYS = {"type", "strike", "cap", "expiry_days", "sold"}
_BOOK_KEYS = {"spot", "implied_vol", "series", "name"}


@dataclass(frozen=True)
class Series:
    """One series the vault is short: `sold` options paying a call (spread) or a put at expiry."""

    is_call: bool
    strike: float
    expiry_days: float
    sold: float
    cap: float = 0.0  # calls only; 0 = uncapped

    def legs(self) -> list[tuple[float, bool, float]]:
        """(strike, is_call, weight) of the plain options that make up the payoff."""
        if self.is_call and self.cap > 0:
            return [(self.strike, True, 1.0), (self.strike + self.cap, True, -1.0)]
        return [(self.strike, self.is_call, 1.0)]


@dataclass(frozen=True)
class Book:
    series: tuple[Series, ...]
    spot: float = 2000.0
    implied_vol: float = 0.8
    name: str = "book"

    def scaled(self, factor: float) -> Book:
        """The same book with every position multiplied by `factor`."""
        series = tuple(
            Series(s.is_call, s.strike, s.expiry_days, s.sold * factor, s.cap) for s in self.series
        )
        return Book(series, self.spot, self.implied_vol, f"{self.name} x{factor:g}")

    @property
    def horizon_days(self) -> float:
        return max(s.expiry_days for s in self.series)

    def _legs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        rows = [(k, c, w * s.sold, s.expiry_days) for s in self.series for k, c, w in s.legs()]
        strike, is_call, weight, expiry = (np.array(col, dtype=float) for col in zip(*rows, strict=False))
        return strike, is_call.astype(bool), weight, expiry * 86_400.0

    def greeks(
        self,
        spot: np.ndarray,
        t_seconds: np.ndarray,
        vol: float | np.ndarray | None = None,
        *,
        settle_spot: np.ndarray | None = None,
        value: bool = True,
    ):
        """Value, delta and gamma of the vault's *short* book (so value is the liability, delta and gamma are
        the vault's) for spot of shape (steps, paths) at times `t_seconds` (steps,) since the start, at the implied
        vol `vol` (the book's when None; a float, or an array of spot's shape: the vault's mark at each step).

        Returns (liability, delta, gamma), each (steps, paths); liability is None when `value` is False. After
        a leg's expiry it is settled: its value is the payoff at `settle_spot[leg]` (the price at its expiry,
        shape (legs, paths); the current price when not given) and its delta and gamma are 0. At expiry itself
        the delta is the step (0.5 at the money), like BlackScholes.sol.
        """
        vol = self.implied_vol if vol is None else vol
        if np.ndim(vol) and np.shape(vol) != spot.shape:
            raise LabError(f"vol marks must have the shape of the prices {spot.shape}, got {np.shape(vol)}")
        strikes, is_calls, weights, expiries = self._legs()
        shape = spot.shape
        liability = np.zeros(shape) if value else None
        delta, gamma = np.zeros(shape), np.zeros(shape)
        for leg, (strike, is_call, weight, expiry) in enumerate(
            zip(strikes, is_calls, weights, expiries, strict=False)
        ):
            tau = np.maximum(expiry - t_seconds, 0.0) / YEAR_SECONDS
            live = tau > 0
            if live.any():
                rows = slice(0, int(live.sum()))  # times are increasing: live rows come first
                s = spot[rows]
                root = np.sqrt(tau[rows])[:, None]
                sq = vol[rows] * root if np.ndim(vol) else vol * root
                d1 = (np.log(s / strike) + 0.5 * sq * sq) / sq
                nd1 = ndtr(d1)
                delta[rows] -= weight * (nd1 if is_call else nd1 - 1.0)
                gamma[rows] -= weight * np.exp(-0.5 * d1 * d1) / (np.sqrt(2 * np.pi) * s * sq)
                if value:
                    call = s * nd1 - strike * ndtr(d1 - sq)
                    liability[rows] += weight * (call if is_call else call - s + strike)
            at_expiry = t_seconds == expiry
            if at_expiry.any():
                s = spot[at_expiry]
                step = np.where(s > strike, 1.0, np.where(s == strike, 0.5, 0.0))
                delta[at_expiry] -= weight * (step if is_call else step - 1.0)
            dead = ~live
            if value and dead.any():
                s = spot[dead] if settle_spot is None else np.broadcast_to(settle_spot[leg], spot[dead].shape)
                payoff = np.maximum(s - strike, 0.0) if is_call else np.maximum(strike - s, 0.0)
                liability[dead] += weight * payoff
        return liability, delta, gamma

    def expiries_seconds(self) -> np.ndarray:
        """Expiry of each leg, seconds from the start (the order of `settle_spot`)."""
        return self._legs()[3]

    def premium(self) -> float:
        """The book's Black-Scholes value at the start (what the vault collected, before spreads)."""
        value, _, _ = self.greeks(np.array([[self.spot]]), np.array([0.0]))
        return float(value[0, 0])


# ---------------------------------------------------------------------------------------------------------
# Standard books and book files
# ---------------------------------------------------------------------------------------------------------


def demo_book(seed: int = 7) -> Book:
    """The demo's call-heavy book (`make demo DEMO_ARGS="--books call-heavy"`): the series of
    `deltavault.local.stack.DEFAULT_SERIES` at spot 2000 (calls capped at one spot) and the demo's random orders."""
    from deltavault.local.stack import DEFAULT_SERIES

    spot = 2000.0
    specs = []
    for spec in DEFAULT_SERIES:
        strike = round(spot * float(spec.moneyness) / 50) * 50
        specs.append((spec.is_call, float(strike), float(spec.days), spot if spec.is_call else 0.0))
    calls = [i for i, s in enumerate(specs) if s[0]]
    puts = [i for i, s in enumerate(specs) if not s[0]]
    rng = random.Random(seed)
    sold = [0.0] * len(specs)
    for _ in range(3):  # three traders, as in scripts/demo.py
        sid = rng.choice(calls)
        sold[sid] += rng.choice([20, 25, 30])
    sold[rng.choice(puts)] += 10
    series = tuple(Series(c, k, d, n, cap) for (c, k, d, cap), n in zip(specs, sold, strict=False) if n > 0)
    return Book(series, spot, 0.8, "demo")


def put_heavy_book() -> Book:
    """A net long-delta book: 30 puts at 2000, 20 puts at 1800, 10 call spreads 2200/2600, all 30 days."""
    return Book(
        (
            Series(False, 2000.0, 30.0, 30.0),
            Series(False, 1800.0, 30.0, 20.0),
            Series(True, 2200.0, 30.0, 10.0, 400.0),
        ),
        2000.0,
        0.8,
        "put-heavy",
    )


STANDARD_BOOKS = {"demo": demo_book, "put-heavy": put_heavy_book}


def _number(where: str, key: str, value, *, positive: bool = True, allow_zero: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise LabError(f"{where}: `{key}` must be a number, got {value!r}")
    value = float(value)
    if not np.isfinite(value) or value < 0 or (value == 0 and not allow_zero) or (value < 0 and positive):
        raise LabError(f"{where}: `{key}` must be {'>= 0' if allow_zero else '> 0'}, got {value:g}")
    return value


def parse_book(data, source: str = "book") -> Book:
    """A `Book` from the JSON schema above; any unknown key or invalid value raises a one-line LabError."""
    if not isinstance(data, dict):
        raise LabError(f"{source}: expected a JSON object with `series`")
    unknown = set(data) - _BOOK_KEYS
    if unknown:
        raise LabError(
            f"{source}: unknown key `{sorted(unknown)[0]}` (allowed: {', '.join(sorted(_BOOK_KEYS))})"
        )
    spot = _number(source, "spot", data.get("spot", 2000.0))
    vol = _number(source, "implied_vol", data.get("implied_vol", 0.8))
    rows = data.get("series")
    if not isinstance(rows, list) or not rows:
        raise LabError(f"{source}: `series` must be a non-empty list")
    series = []
    for i, row in enumerate(rows, start=1):
        where = f"{source}: series {i}"
        if not isinstance(row, dict):
            raise LabError(f"{where}: expected an object, got {row!r}")
        unknown = set(row) - _SERIES_KEYS
        if unknown:
            raise LabError(
                f"{where}: unknown field `{sorted(unknown)[0]}` (allowed: {', '.join(sorted(_SERIES_KEYS))})"
            )
        missing = {"type", "strike", "expiry_days", "sold"} - set(row)
        if missing:
            raise LabError(f"{where}: missing field `{sorted(missing)[0]}`")
        kind = row["type"]
        if kind not in ("call", "put"):
            raise LabError(f'{where}: `type` must be "call" or "put", got {kind!r}')
        cap = _number(where, "cap", row.get("cap", 0), allow_zero=True)
        if kind == "put" and cap:
            raise LabError(f"{where}: a put has no `cap`")
        strike = _number(where, "strike", row["strike"])
        if not 0.01 * spot <= strike <= 100 * spot:
            raise LabError(f"{where}: strike {strike:g} outside [0.01, 100] x spot {spot:g}")
        expiry = _number(where, "expiry_days", row["expiry_days"])
        if expiry > 3650:
            raise LabError(f"{where}: `expiry_days` {expiry:g} beyond 10 years")
        sold = _number(where, "sold", row["sold"])
        series.append(Series(kind == "call", strike, expiry, sold, cap))
    return Book(tuple(series), spot, vol, str(data.get("name", Path(source).stem)))


def load_book(spec: str) -> Book:
    """A standard book by name (`demo`, `put-heavy`) or a JSON book file."""
    if spec in STANDARD_BOOKS:
        return STANDARD_BOOKS[spec]()
    path = Path(spec)
    if not path.is_file():
        raise LabError(f"{spec}: no such book file (or one of: {', '.join(STANDARD_BOOKS)})")
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise LabError(f"{spec}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    return parse_book(data, spec)
