"""`deltavault.Vault` / `deltavault.Hedger` against the stack of `ape run deploy stack`: typed results in human
units that equal the contracts' raw values, transactions in human amounts, and reverts decoded."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from deltavault import ContractError, DeploymentError, Hedger, Vault
from deltavault.policy import HedgePolicy, Rule, VaultPolicy
from tests.utils.constants import USDC, WAD


@pytest.fixture(scope="module")
def sdk_vault(deployed):
    return Vault.at(deployed.system.vault.address)


def test_vault_at__binds_tokens_and_contracts_from_packaged_abis(sdk_vault, deployed):
    assert sdk_vault.quote.symbol == "USDC" and sdk_vault.quote.decimals == 6
    assert sdk_vault.base.address == deployed.market.base.address and sdk_vault.base.decimals == 18
    assert sdk_vault.hedger().address == deployed.system.hedger.address
    assert sdk_vault.price_feed.address == deployed.price_feed.address


def test_vault_at__address_without_code__deployment_error():
    with pytest.raises(DeploymentError, match="no contract at"):
        Vault.at("0x" + "ab" * 20)


def test_series__human_units_equal_the_raw_struct(sdk_vault, deployed):
    series = sdk_vault.all_series()
    assert [s.id for s in series] == [r["id"] for r in deployed.record["series"]]
    for s in series:
        raw = deployed.system.vault.series(s.id)
        assert s.strike == Decimal(raw.strike) / WAD and s.cap == Decimal(raw.cap) / WAD
        assert s.expiry == datetime.fromtimestamp(raw.expiry, UTC) and s.is_call == raw.isCall
        assert s.state(datetime.fromtimestamp(raw.expiry - 1, UTC)) == "live"


def test_quotes__equal_the_contract_in_tokens(sdk_vault, deployed):
    q = sdk_vault.quote_buy(2, Decimal("2.5"))
    assert q.premium == Decimal(deployed.system.vault.quoteBuy(2, 25 * WAD // 10)) / USDC
    assert q.per_option == q.premium / Decimal("2.5") and q.side == "buy"
    assert sdk_vault.quote_sell(2, 1).premium < sdk_vault.quote_buy(2, 1).premium


def test_quote__amount_below_minimum__decoded_contract_error(sdk_vault):
    with pytest.raises(ContractError) as info:
        sdk_vault.quote_buy(2, Decimal("0.0000001"))
    assert info.value.decoded.name == "AmountTooSmall"
    assert "Option amounts must be at least" in str(info.value) and "min 0.000001" in str(info.value)


def test_buy_settle_redeem__position_and_payout_in_tokens(sdk_vault, deployed, trader, owner, chain):
    quote = deployed.market.quote
    quote.mint(trader, 10_000 * USDC, sender=trader)
    sdk_vault.approve(Decimal(10_000), sender=trader)
    premium = sdk_vault.quote_buy(6, 2).premium
    sdk_vault.buy(6, Decimal(2), premium * 2, sender=trader)
    position = sdk_vault.position(trader)
    assert position.options == {6: Decimal(2)}
    assert position.quote_balance == Decimal(10_000) - Decimal(10_000 * USDC - quote.balanceOf(trader)) / USDC

    expiry = deployed.system.vault.series(6).expiry
    chain.mine(timestamp=expiry + 60)
    deployed.price_feed.pushAnswer(2150 * 10**8, sender=owner)
    sdk_vault.settle(6, sender=trader)  # the first round at/after expiry, found by the SDK
    s = sdk_vault.series(6)
    assert s.settled and s.payoff_per_option == 150 and s.state(datetime.now(UTC)) == "settled"
    assert sdk_vault.payout(6, 2) == 300
    before = quote.balanceOf(trader)
    sdk_vault.redeem_options(6, Decimal(2), sender=trader)
    assert quote.balanceOf(trader) - before == 300 * USDC


def test_transaction_revert__contract_error_with_decoded_reason(sdk_vault, trader):
    with pytest.raises(ContractError) as info:
        sdk_vault.buy(2, Decimal(1), Decimal("0.01"), sender=trader)  # premium far above the bound
    assert info.value.decoded.name == "PremiumAboveMax" and info.value.action == "buyOption"


def test_status_and_policies__typed(sdk_vault, deployed):
    st = sdk_vault.status()
    assert st.spot == 2000 and st.implied_vol == Decimal("0.8") and st.quote_symbol == "USDC"
    assert st.nav == Decimal(deployed.system.vault.totalAssets()) / USDC
    assert st.hedge is not None and st.hedge.rule in Rule and st.errors == {}
    assert isinstance(sdk_vault.policy(), VaultPolicy)
    hedger = Hedger.at(deployed.system.hedger.address)
    assert isinstance(hedger.policy(), HedgePolicy) and hedger.status() == st.hedge


def test_status__stale_oracle__reads_none_with_the_decoded_reason(sdk_vault, chain):
    chain.mine(timestamp=chain.pending_timestamp + 2 * 86_400)
    st = sdk_vault.status()
    assert st.nav is None and st.spot is None
    assert "[OracleStale]" in st.errors["nav"]
