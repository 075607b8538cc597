"""`ape run vault ...` from test accounts against the test session's anvil: deposit, buy, settle, redeem."""

import json

import pytest

from tests.utils.cli import ape_run

WAD = 10**18
DAY = 86400


@pytest.fixture(scope="module")
def cli(deployed, tmp_path_factory, chain):
    path = tmp_path_factory.mktemp("deployments") / "31337.json"
    path.write_text(json.dumps(deployed.record))
    # The foundry provider connects to the running anvil (and leaves it running) when given its host.
    env = {"APE_FOUNDRY_HOST": chain.provider.uri}

    def run(*args):
        return ape_run(
            "vault", *args, "--network", "ethereum:local:foundry", "--deployment", str(path), env=env
        )

    return run


def test_wallet_cli__deposit_buy_settle_redeem(cli, deployed, accounts, owner, chain):
    lp, buyer = accounts[7], accounts[8]
    quote, vault, token = deployed.market.quote, deployed.system.vault, deployed.system.option_token
    quote.mint(lp, 50_000 * 10**6, sender=lp)
    quote.mint(buyer, 10_000 * 10**6, sender=buyer)

    result = cli("deposit", "--amount", "50000", "--account", "TEST::7")
    assert result.returncode != 0 and "--approve" in result.stdout + result.stderr  # allowance explained
    result = cli("deposit", "--amount", "50000", "--approve", "--account", "TEST::7")
    assert result.returncode == 0, result.stderr[-2000:]
    assert vault.balanceOf(lp) > 0 and quote.balanceOf(lp) == 0

    series_id = 6  # the 7-day at-the-money call
    result = cli("buy", "--series", str(series_id), "--options", "2.5", "--approve", "--account", "TEST::8")
    assert result.returncode == 0, result.stderr[-2000:]
    assert token.balanceOf(buyer, series_id) == 25 * WAD // 10

    expiry = vault.series(series_id).expiry
    chain.mine(timestamp=expiry + 60)
    deployed.price_feed.pushAnswer(2100 * 10**8, sender=owner)  # first round at/after expiry: 2100
    result = cli("buy", "--series", str(series_id), "--options", "1", "--approve", "--account", "TEST::8")
    assert result.returncode != 0 and "expired" in result.stdout + result.stderr

    result = cli("settle", "--series", str(series_id), "--account", "TEST::8")
    assert result.returncode == 0, result.stderr[-2000:]
    assert vault.series(series_id).payoffPerOption == 100 * WAD

    before = quote.balanceOf(buyer)
    result = cli("redeem", "--series", str(series_id), "--account", "TEST::8")
    assert result.returncode == 0, result.stderr[-2000:]
    assert quote.balanceOf(buyer) - before == 250 * 10**6
    assert token.balanceOf(buyer, series_id) == 0

    result = cli("status", "--account", buyer.address)
    assert result.returncode == 0 and "settled" in result.stdout, (result.stdout + result.stderr)[-1500:]


def test_wallet_cli__insufficient_balance__explains(cli, accounts):
    result = cli("deposit", "--amount", "1000000000", "--approve", "--account", "TEST::9")
    assert result.returncode != 0 and "insufficient USDC balance" in result.stdout + result.stderr
