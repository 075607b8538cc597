"""Gas of `GreeksEngine.book` against the size of the book, through `BookHarness` (a contract calling the
engine as a vault does, with `gasleft()` around the call: caller-side ABI encoding, the call, the engine's
decoding and loop; not the 21,000 intrinsic gas nor the transaction's calldata).

Books: 1, 8 and 16 positions alternating call spreads (cap 500) and puts, strikes 1600..2450 around a spot of
2000, vol 0.8, all inside the Black-Scholes domain (the costly path), either each on its own expiry (1 to 60
days) or on 2 expiries (7 and 35 days, the first half of the book on the first: the per-expiry terms are then
shared by consecutive positions). Marginal gas per put and per call spread: the slope between books of 8 and 16
puts (or call spreads) only, so the fixed cost of the call cancels. The engine has no target of its own: the
rebalance's (8,000 gas per additional live series, engine and vault together) is in `benchmarks/rebalance.py`.

Run: `python -m benchmarks book`.
"""

import time

from deltavault.bench import report

WAD = 10**18
DAY = 86_400
SPOT = 2000 * WAD
VOL = 8 * 10**17
CAP = 500 * WAD
SIZES = (1, 8, 16)
SHARED_EXPIRIES = (7, 35)


def positions(n: int, now: int, kinds: str = "alternating", shared: bool = False) -> list[tuple]:
    """n positions (strike, cap, expiry, amount): call spreads and puts alternating, or only one kind; each on its
    own expiry, or (`shared`) the first half on the first of SHARED_EXPIRIES and the rest on the second."""
    book = []
    for i in range(n):
        is_call = {"alternating": i % 2 == 0, "calls": True, "puts": False}[kinds]
        strike = (1600 + 50 * i + (25 if kinds != "alternating" else 0) * (i % 3)) * WAD
        days = SHARED_EXPIRIES[2 * i // n] if shared else 1 + (i * 7) % 60
        expiry = now + days * DAY
        amount = (3 + i) * WAD // 2
        book.append((strike, CAP if is_call else 0, expiry, amount))
    return book


def measure() -> list[dict]:
    from ape import accounts, chain, networks, project

    with networks.parse_network_choice("ethereum:local:foundry", disconnect_after=True):
        owner = accounts.test_accounts[0]
        engine = owner.deploy(project.GreeksEngine)
        harness = owner.deploy(project.BookHarness)
        now = chain.pending_timestamp

        def gas(book, full):
            return harness.bookGas(engine, book, SPOT, VOL, full).gasUsed

        rows = []
        for full in (True, False):
            mode = "full" if full else "hedge"
            for shared in (False, True):
                suffix, expiries = (".2_expiries", "2 expiries") if shared else ("", "distinct expiries")
                for n in SIZES:
                    rows.append(
                        {
                            "name": f"book.{mode}.{n}{suffix}",
                            "book": f"{n} alternating, {expiries}",
                            "pass": mode,
                            "gas": gas(positions(n, now, shared=shared), full),
                        }
                    )
                for kinds, label in (("puts", "put"), ("calls", "call spread")):
                    large = gas(positions(16, now, kinds, shared), full)
                    slope = (large - gas(positions(8, now, kinds, shared), full)) / 8
                    row = {
                        "name": f"book.{mode}.marginal_{kinds}{suffix}",
                        "book": f"per {label} (8 -> 16), {expiries}",
                        "pass": mode,
                        "gas": round(slope),
                    }
                    rows.append(row)
    return rows


def main() -> bool:
    started = time.monotonic()
    rows = measure()
    return report(
        f"GreeksEngine.book: gas of the call from a contract (BookHarness), spot 2000, vol 0.8 "
        f"({time.monotonic() - started:.0f} s)",
        rows,
        [
            ("book", "book"),
            ("pass", "pass"),
            ("gas", "gas"),
        ],
    )


if __name__ == "__main__":
    raise SystemExit(0 if main() else 1)
