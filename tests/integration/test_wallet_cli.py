"""`ape run vault ...` from test accounts against the test session's anvil: deposit, buy, settle, redeem.

The commands run in-process (tests/utils/cli.py `invoke`) on the session's anvil; one test runs the real
`ape run vault` in a subprocess (a node that is down: Ape's network option, the exit code and stderr)."""

import json
from decimal import Decimal

import pytest

from tests.utils.cli import ape_run, free_port, invoke, ok, on_node, one_line_error
from tests.utils.constants import DAY, WAD


@pytest.fixture(scope="module")
def cli(deployed, tmp_path_factory, chain):
    path = tmp_path_factory.mktemp("deployments") / "31337.json"
    path.write_text(json.dumps(deployed.record))

    def run(*args, deployment=None, env=None, ape_data=None, ape_logs="WARNING"):
        return invoke("vault", *args, *on_node(chain), "--deployment", str(deployment or path), env=env,
                      ape_data=ape_data, ape_logs=ape_logs)  # fmt: skip

    run.path = path
    return run


def test_wallet_cli__deposit_buy_settle_redeem(cli, deployed, accounts, owner, chain):
    lp, buyer = accounts[7], accounts[8]
    quote, vault, token = deployed.market.quote, deployed.system.vault, deployed.system.option_token
    quote.mint(lp, 50_000 * 10**6, sender=lp)
    quote.mint(buyer, 10_000 * 10**6, sender=buyer)

    nonce = lp.nonce
    result = cli("deposit", "--amount", "50000", "--account", "TEST::7")
    assert "--approve" in one_line_error(result)  # allowance explained, nothing sent
    assert lp.nonce == nonce and vault.balanceOf(lp) == 0
    result = cli("deposit", "--amount", "50000", "--approve", "--account", "TEST::7")
    ok(result)
    assert vault.balanceOf(lp) > 0 and quote.balanceOf(lp) == 0

    series_id = 6  # the 7-day at-the-money call
    result = cli("buy", "--series", str(series_id), "--options", "2.5", "--approve", "--account", "TEST::8")
    ok(result)
    assert token.balanceOf(buyer, series_id) == 25 * WAD // 10

    expiry = vault.series(series_id).expiry
    chain.mine(timestamp=expiry + 60)
    deployed.price_feed.pushAnswer(2100 * 10**8, sender=owner)  # first round at/after expiry: 2100
    result = cli("buy", "--series", str(series_id), "--options", "1", "--approve", "--account", "TEST::8")
    assert "expired" in one_line_error(result)

    result = cli("settle", "--series", str(series_id), "--account", "TEST::8")
    ok(result)
    assert vault.series(series_id).payoffPerOption == 100 * WAD

    before = quote.balanceOf(buyer)
    result = cli("redeem", "--series", str(series_id), "--account", "TEST::8")
    ok(result)
    assert quote.balanceOf(buyer) - before == 250 * 10**6
    assert token.balanceOf(buyer, series_id) == 0

    assert "settled" in ok(cli("status", "--account", buyer.address))


def test_wallet_cli__insufficient_balance__explains(cli, accounts):
    nonce = accounts[9].nonce
    result = cli("deposit", "--amount", "1000000000", "--approve", "--account", "TEST::9")
    assert "insufficient USDC balance" in one_line_error(result)
    assert accounts[9].nonce == nonce  # not even the approval


def test_wallet_cli__status_of_a_test_account_and_as_json(cli, deployed, accounts):
    assert f"account {accounts[1].address}" in ok(cli("status", "--account", "TEST::1"))
    # Ape at INFO (it would print "Connecting to a 'anvil' node" on stdout): with --json, stdout is the object alone.
    out = ok(cli("status", "--account", "TEST::1", "--json", ape_logs="INFO"))
    data = json.loads(out)
    assert data["vault"] == deployed.system.vault.address and data["quoteSymbol"] == "USDC"
    assert [s["id"] for s in data["series"]] == [1, 2, 3, 4, 5, 6] and data["account"]["address"] == accounts[
        1
    ].address
    assert data["spot"] == "2000" and data["series"][1]["buyOne"] is not None


# Unknown aliases and zero amounts are refused while parsing: tests/unit/test_cli_params.py.


def test_wallet_cli__deployment_without_code__one_line_error(cli, tmp_path):
    record = json.loads(cli.path.read_text())
    record["vault"] = "0x" + "ab" * 20
    path = tmp_path / "31337.json"
    path.write_text(json.dumps(record))
    line = one_line_error(cli("status", deployment=path))
    assert "no contract at vault" in line and str(path) in line


def test_wallet_cli__node_down__one_line_error(cli):
    # The real entry point, in a subprocess: `ape run` finds the script, parses the network, exits 1 with the
    # one line on stderr (not a terminal).
    network = f"ethereum:local:http://127.0.0.1:{free_port()}"
    result = ape_run("vault", "status", "--network", network, "--deployment", str(cli.path))
    line = one_line_error(result)
    assert "cannot reach the network's node" in line
    assert line in result.stderr.splitlines() and "Error" not in result.stdout


def test_wallet_cli__wrong_passphrase__one_line_error_and_no_transaction(cli, accounts, tmp_path):
    from eth_account import Account

    account = accounts[8]
    (tmp_path / "accounts").mkdir()
    keyfile = Account.encrypt(account.private_key, "right", iterations=2**12)  # scrypt, cheaper than default
    assert keyfile["address"].lower() == account.address[2:].lower()
    (tmp_path / "accounts" / "alice.json").write_text(json.dumps(keyfile))
    nonce = account.nonce
    result = cli("faucet", "--amount", "1", "--account", "alice",
                 ape_data=tmp_path, env={"APE_ACCOUNTS_alice_PASSPHRASE": "wrong"})  # fmt: skip
    assert "wrong passphrase" in one_line_error(result)
    assert account.nonce == nonce


def test_market_cli__price_moves_oracle_and_pool__warp_moves_time_and_refreshes_feeds(cli, deployed, chain):
    from deltavault.local import uniswap

    common = (*on_node(chain), "--deployment", str(cli.path))
    ok(invoke("market", "price", "2100", *common))
    assert deployed.price_feed.latestRoundData().answer == 2100 * 10**8
    pool = uniswap.Pool.from_contract(
        deployed.market.pool.contract, deployed.market.base, deployed.market.quote
    )
    assert abs(uniswap.pool_price(pool) - 2100) < Decimal("0.01")

    before = chain.blocks.head.timestamp
    ok(invoke("market", "warp", "2d", *common))
    assert chain.blocks.head.timestamp >= before + 2 * DAY
    assert deployed.price_feed.latestRoundData().updatedAt >= before + 2 * DAY
    assert deployed.system.vault.spotPrice() == 2100 * WAD  # not stale: the feeds answered again

    assert "not a positive duration" in one_line_error(invoke("market", "warp", "soon", *common), exit_code=2)


def test_wallet_cli__request_deposit_then_fulfil__shares_at_the_due_round(
    cli, deployed, accounts, owner, chain
):
    lp = accounts[9]
    quote, vault = deployed.market.quote, deployed.system.vault
    quote.mint(lp, 1_000 * 10**6, sender=lp)
    result = cli("deposit", "--amount", "1000", "--approve", "--request", "--account", "TEST::9")
    ok(result)
    assert "pending deposit" in result.stdout
    assert quote.balanceOf(lp) == 0 and vault.balanceOf(lp) == 0
    result = cli("fulfil", "--account", "TEST::9")
    assert "due at" in one_line_error(result)  # not due yet: one line, nothing sent
    chain.mine(timestamp=chain.blocks.head.timestamp + vault.policy().requestDelay + 5)
    deployed.price_feed.pushAnswer(2000 * 10**8, sender=owner)  # the due round
    deployed.vol_feed.pushAnswer(80 * 10**6, sender=owner)
    result = cli("fulfil", "--account", "TEST::9")
    ok(result)
    assert vault.balanceOf(lp) > 0
    result = cli("withdraw", "--all", "--request", "--account", "TEST::9")
    ok(result)
    assert vault.balanceOf(lp) == 0


def test_wallet_cli__set_policy__owner_sets_a_tuned_file_others_and_bad_files_refused(
    cli, deployed, owner, tmp_path
):
    from deltavault.lab.frontier import policy_json
    from deltavault.lab.sim import LabPolicy
    from deltavault.policy import HedgePolicy, Rules

    hedger = deployed.system.hedger
    before = hedger.policy()
    tuned = HedgePolicy.for_quote_decimals(6, rules=Rules.COST | Rules.THRESHOLD, risk_aversion=2 * 10**15)
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(policy_json(LabPolicy(tuned, name="tuned"))))
    try:
        # Not the owner: the hedger refuses, in one line.
        assert "reverted" in one_line_error(cli("set-policy", "--policy", str(path), "--account", "TEST::1"))
        assert hedger.policy().riskAversion == before.riskAversion
        # Outside the contract's bounds, or the former cost rule: refused before anything is signed.
        bad = json.loads(path.read_text())
        bad["policy"]["risk_aversion"] = 0
        (tmp_path / "bad.json").write_text(json.dumps(bad))
        line = one_line_error(
            cli("set-policy", "--policy", str(tmp_path / "bad.json"), "--account", "TEST::0")
        )
        assert "risk_aversion" in line
        bad["policy"]["risk_aversion"] = 10**15
        bad["cost_rule"] = "ww"
        (tmp_path / "ww.json").write_text(json.dumps(bad))
        line = one_line_error(
            cli("set-policy", "--policy", str(tmp_path / "ww.json"), "--account", "TEST::0")
        )
        assert "former rule" in line
        # The owner: the hedger runs the file's policy.
        result = cli("set-policy", "--policy", str(path), "--account", "TEST::0")
        ok(result)
        after = hedger.policy()
        assert after.riskAversion == 2 * 10**15 and after.rules == Rules.COST | Rules.THRESHOLD
    finally:
        hedger.setPolicy(before, sender=owner)
