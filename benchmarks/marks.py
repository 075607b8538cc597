"""What the protections against a predictable mark cost an honest user, on a local anvil.

A 1 M USDC vault at 2000 USDC/ETH with a short book (by default 300 seven-day 2000/2500 call spreads and 100
seven-day 1800 puts, the shape of the demo's book), priced with the default policy:

- synchronous ERC-4626 deposit or withdrawal: the jump band (the book revalued at spot +-20 % and the largest
  volatility step), in bps of the net asset value, before and after the book is hedged;
- a request through the queue: no band, only the entry/exit fee, and the wait (`requestDelay` plus the time
  to the first price round after it, at most the feed's heartbeat);
- an option trade: buy price over sell-back price of one option (the mark against one routine update, 0.5 % of
  spot and 0.05 of volatility, on each side, plus the spreads), in bps.

Run: `python -m benchmarks.marks`; `run()` returns rows for the shared bench runner.
"""

from __future__ import annotations

WAD = 10**18
DAY = 86_400
USDC = 10**6
NETWORK = "ethereum:local:foundry"


def _measure(project, accounts, chain) -> list[dict]:
    from deltavault.policy import OracleConfig, VaultPolicy

    owner, manager, guardian, depositor, trader = accounts[:5]
    quote = owner.deploy(project.TestERC20, "USD Coin", "USDC", 6)
    base = owner.deploy(project.TestERC20, "Wrapped Ether", "WETH", 18)
    feed = owner.deploy(project.TestAggregator, 8, "ETH / USD")
    feed.pushAnswer(2000 * 10**8, sender=owner)
    engine = owner.deploy(project.GreeksEngine)
    policy = VaultPolicy()
    extension = owner.deploy(project.DeltaVaultExtension, quote, base, engine)
    vault = owner.deploy(
        project.DeltaVault, quote, base, extension, "DeltaVault USDC/WETH", "dvUSDC",
        OracleConfig(feed.address).as_tuple(), policy.as_tuple(), 8 * 10**17, owner, manager, guardian,
    )  # fmt: skip
    for account in (depositor, trader):
        quote.mint(account, 10**7 * USDC, sender=owner)
        quote.approve(vault, 2**256 - 1, sender=account)
    vault.deposit(1_000_000 * USDC, depositor, sender=depositor)
    rows: list[dict] = []

    def band_row(name):
        nav, band = vault.markedNav()
        rows.append({"name": f"marks.{name}", "bps": round(band * 10_000 / nav), "nav": nav // USDC})

    band_row("sync band, empty book")
    expiry = chain.pending_timestamp + 7 * DAY
    vault.listSeries(2000 * WAD, 500 * WAD, expiry, True, sender=manager)
    call = vault.seriesCount()
    vault.listSeries(1800 * WAD, 0, expiry, False, sender=manager)
    put = vault.seriesCount()
    for sid in (call, put):
        rows.append(
            {
                "name": f"marks.option buy/sell round trip, 7-day {'2000/2500 call' if sid == call else '1800 put'}",
                "bps": round((vault.quoteBuy(sid, WAD) / vault.quoteSell(sid, WAD) - 1) * 10_000),
            }
        )
    vault.buyOption(call, 300 * WAD, 2**255, trader, sender=trader)
    vault.buyOption(put, 100 * WAD, 2**255, trader, sender=trader)
    band_row("sync band, short book unhedged")
    delta = vault.portfolioGreeks().delta
    if delta < 0:  # the book's delta held in base, as the rebalancing engine holds it
        base.mint(vault, -delta, sender=owner)
    band_row("sync band, short book delta-hedged")
    rows.append(
        {
            "name": "marks.request: band (bps), delay (s)",
            "bps": 0,
            "delay": vault.policy().requestDelay,
        }
    )
    return rows


def run() -> list[dict]:
    from ape import accounts, chain, networks, project

    with networks.parse_network_choice(NETWORK):
        return _measure(project, accounts.test_accounts, chain)


def main() -> bool:
    from deltavault.bench import report

    rows = run()
    return report(
        "What an honest user pays for protection against a predictable mark (1 M USDC vault at 2000)",
        rows,
        [("name", "case"), ("bps", "bps"), ("nav", "NAV (USDC)"), ("delay", "delay (s)")],
    )


if __name__ == "__main__":
    from ape.logging import logger

    logger.set_level("ERROR")
    main()
