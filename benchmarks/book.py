"""Gas of `GreeksEngine.book` against the size of the book, through `BookHarness` (a contract calling the
engine as a vault does, with `gasleft()` around the call: caller-side ABI encoding, the call, the engine's
decoding and loop; not the 21,000 intrinsic gas nor the transaction's calldata).

Books: 1, 8 and 16 positions alternating call spreads (cap 500) and puts, strikes 1600..2450 around a spot of
2000, expiries 1 to 60 days, vol 0.8, all inside the Black-Scholes domain (the costly path). Marginal gas per
put and per call spread: the slope between books of 8 and 16 puts (or call spreads) only, so the fixed cost of
the call cancels. Targets for `full=false` (the rebalancing pass): 2,500 per put, 4,500 per call spread.

Run: `python -m benchmarks book`.
"""

import time

from deltavault.bench import merge_report, print_table

WAD = 10**18
DAY = 86_400
SPOT = 2000 * WAD
VOL = 8 * 10**17
CAP = 500 * WAD
SIZES = (1, 8, 16)
TARGET_PUT = 2_500
TARGET_SPREAD = 4_500


def positions(n: int, now: int, kinds: str = "alternating") -> list[tuple]:
    """n positions (strike, cap, expiry, amount): call spreads and puts alternating, or only one kind."""
    book = []
    for i in range(n):
        is_call = {"alternating": i % 2 == 0, "calls": True, "puts": False}[kinds]
        strike = (1600 + 50 * i + (25 if kinds != "alternating" else 0) * (i % 3)) * WAD
        expiry = now + (1 + (i * 7) % 60) * DAY
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
            for n in SIZES:
                rows.append(
                    {
                        "name": f"book.{'full' if full else 'hedge'}.{n}",
                        "book": f"{n} alternating",
                        "full": full,
                        "gas": gas(positions(n, now), full),
                    }
                )
            for kinds, label, target in (
                ("puts", "put", TARGET_PUT),
                ("calls", "call spread", TARGET_SPREAD),
            ):
                slope = (gas(positions(16, now, kinds), full) - gas(positions(8, now, kinds), full)) / 8
                row = {
                    "name": f"book.{'full' if full else 'hedge'}.marginal_{kinds}",
                    "book": f"per {label} (8 -> 16)",
                    "full": full,
                    "gas": round(slope),
                }
                if not full:
                    row["target"] = target
                    row["targets_met"] = slope <= target
                rows.append(row)
    return rows


def main() -> bool:
    started = time.monotonic()
    rows = measure()
    print_table(
        f"GreeksEngine.book: gas of the call from a contract (BookHarness), spot 2000, vol 0.8 "
        f"({time.monotonic() - started:.0f} s)",
        rows,
        [
            ("book", "book"),
            ("full", "full"),
            ("gas", "gas"),
            ("target", "target"),
            ("targets_met", "met"),
        ],
    )
    print(f"\nwrote {merge_report(rows)}")
    return all(row.get("targets_met", True) for row in rows)


if __name__ == "__main__":
    raise SystemExit(0 if main() else 1)
