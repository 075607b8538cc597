"""Gas of DeltaVault's entry points on a local anvil, measured from receipts (`gas_used`).

`portfolioGreeks()` is a view: its rows are `eth_estimateGas` of a call to it (Ape's `estimate_gas_cost`),
which includes the 21,000 intrinsic gas of a transaction, at 1, 8 and 16 (`MAX_LIVE_SERIES`) live series, each
with an outstanding position.

Run: `python -m benchmarks.vault` (prints the table); `run()` returns rows `{"name": ..., "gas": ...}` for the
shared bench runner.
"""

from __future__ import annotations

WAD = 10**18
DAY = 86_400
NETWORK = "ethereum:local:foundry"


def _deploy(project, owner, manager, guardian):
    quote = owner.deploy(project.TestERC20, "USD Coin", "USDC", 6)
    base = owner.deploy(project.TestERC20, "Wrapped Ether", "WETH", 18)
    feed = owner.deploy(project.TestAggregator, 8, "ETH / USD")
    feed.pushAnswer(2000 * 10**8, sender=owner)
    from deltavault.policy import OracleConfig, VaultPolicy

    oracle = OracleConfig(feed.address).as_tuple()

    policy = VaultPolicy().as_tuple()
    engine = owner.deploy(project.GreeksEngine)
    extension = owner.deploy(project.DeltaVaultExtension, quote, base, engine)
    vault = owner.deploy(
        project.DeltaVault, quote, base, extension, "DeltaVault USDC/WETH", "dvUSDC", oracle, policy, 8 * 10**17,
        owner, manager, guardian,
    )  # fmt: skip
    return vault, quote, base, feed


def _measure(project, accounts, chain) -> list[dict]:
    from deltavault.contracts import ERC4626_REDEEM, OPTION_REDEEM, method

    owner, manager, guardian, depositor, trader, keeper = accounts[:6]
    vault, quote, base, feed = _deploy(project, owner, manager, guardian)
    rows: list[dict] = []

    def row(name, gas):
        rows.append({"name": f"vault.{name}", "gas": int(gas)})

    for account in (depositor, trader):
        quote.mint(account, 10**7 * 10**6, sender=owner)
        quote.approve(vault, 2**256 - 1, sender=account)

    row("deposit", vault.deposit(2_000_000 * 10**6, depositor, sender=depositor).gas_used)
    row("deposit (second)", vault.deposit(1_000 * 10**6, depositor, sender=depositor).gas_used)
    row("withdraw", vault.withdraw(500 * 10**6, depositor, depositor, sender=depositor).gas_used)
    redeem_shares = method(vault, ERC4626_REDEEM)
    row("redeem (ERC-4626)", redeem_shares(10**12, depositor, depositor, sender=depositor).gas_used)

    expiry = chain.pending_timestamp + 7 * DAY
    vault.listSeries(2000 * WAD, 500 * WAD, expiry, True, sender=manager)
    sid = vault.seriesCount()
    row(
        "buyOption (first, 1 live series)",
        vault.buyOption(sid, 10 * WAD, 10**30, trader, sender=trader).gas_used,
    )
    row("buyOption (1 live series)", vault.buyOption(sid, 10 * WAD, 10**30, trader, sender=trader).gas_used)
    row("sellOption (1 live series)", vault.sellOption(sid, 5 * WAD, 0, trader, sender=trader).gas_used)
    row(
        "portfolioGreeks (1 live series, estimateGas)", vault.portfolioGreeks.estimate_gas_cost(sender=keeper)
    )

    # Fill up to 8 and 16 live series, each with a position (calls and puts alternately, several expiries).
    for n in range(2, 17):
        is_call = n % 2 == 0
        strike = (1600 + 50 * n) * WAD
        vault.listSeries(strike, 400 * WAD if is_call else 0, expiry + n * DAY, is_call, sender=manager)
        tx = vault.buyOption(vault.seriesCount(), WAD, 10**30, trader, sender=trader)
        if n == 8:
            row("buyOption (8 live series)", tx.gas_used)
            row(
                "portfolioGreeks (8 live series, estimateGas)",
                vault.portfolioGreeks.estimate_gas_cost(sender=keeper),
            )
    row("buyOption (16 live series)", tx.gas_used)
    row("sellOption (16 live series)", vault.sellOption(sid, WAD, 0, trader, sender=trader).gas_used)
    row("deposit (16 live series)", vault.deposit(1_000 * 10**6, depositor, sender=depositor).gas_used)
    row(
        "withdraw (16 live series)",
        vault.withdraw(500 * 10**6, depositor, depositor, sender=depositor).gas_used,
    )
    row(
        "portfolioGreeks (16 live series, estimateGas)",
        vault.portfolioGreeks.estimate_gas_cost(sender=keeper),
    )

    # The asynchronous path: a request, then its fulfilment at the first round after the due time.
    queue = project.RequestQueue.at(vault.requestQueue())
    quote.approve(queue, 2**256 - 1, sender=depositor)
    row(
        "requestDeposit", queue.requestDeposit(1_000 * 10**6, depositor, depositor, sender=depositor).gas_used
    )
    shares = vault.balanceOf(depositor) // 1000
    row("requestRedeem", queue.requestRedeem(shares, depositor, depositor, sender=depositor).gas_used)
    chain.pending_timestamp += vault.policy().requestDelay + 1
    due = feed.pushAnswer(2000 * 10**8, sender=owner).return_value
    row("fulfilDeposit (16 live series)", queue.fulfilDeposit(depositor, due, 0, sender=keeper).gas_used)
    row("fulfilRedeem (16 live series)", queue.fulfilRedeem(depositor, due, 0, sender=keeper).gas_used)

    # Settle the first series with the first round after expiry, then redeem.
    chain.pending_timestamp = max(expiry - 60, chain.pending_timestamp + 1)
    feed.pushAnswer(2000 * 10**8, sender=owner)
    chain.pending_timestamp = expiry + 60
    round_id = feed.pushAnswer(2300 * 10**8, sender=owner).return_value
    row("settle (16 live series)", vault.settle(sid, round_id, sender=keeper).gas_used)
    redeem_options = method(vault, OPTION_REDEEM)
    row("redeem (options)", redeem_options(sid, 5 * WAD, trader, sender=trader).gas_used)
    return rows


def run() -> list[dict]:
    """Deploys a vault on a fresh local anvil and returns one row per measured call."""
    from ape import accounts, chain, networks, project

    with networks.parse_network_choice(NETWORK):
        return _measure(project, accounts.test_accounts, chain)


def main() -> bool:
    """Prints the table and merges the rows into reports/bench.json (no targets: always True)."""
    from deltavault.bench import report

    rows = run()
    return report("DeltaVault entry points: gas from receipts (portfolioGreeks: eth_estimateGas)", rows,
                  [("name", "entry point"), ("gas", "gas")])  # fmt: skip


if __name__ == "__main__":
    from ape.logging import logger

    logger.set_level("ERROR")
    main()
