"""The OpenZeppelin-based test token compiles with the offline compiler, deploys on anvil and behaves."""

import ape
import pytest


@pytest.mark.parametrize("decimals", [6, 8, 18])
def test_token__decimals__as_deployed(create_token, decimals):
    token = create_token("Token", "TKN", decimals)
    assert token.decimals() == decimals
    assert token.symbol() == "TKN"


def test_token__mint_and_transfer__moves_balances(usdc, owner, depositor):
    usdc.mint(owner, 1_000_000, sender=owner)
    usdc.transfer(depositor, 250_000, sender=owner)
    assert usdc.balanceOf(owner) == 750_000
    assert usdc.balanceOf(depositor) == 250_000
    assert usdc.totalSupply() == 1_000_000


def test_token__transfer_above_balance__reverts_with_custom_error(usdc, owner, depositor):
    usdc.mint(owner, 10, sender=owner)
    with ape.reverts(usdc.ERC20InsufficientBalance, sender=owner.address, balance=10, needed=11):
        usdc.transfer(depositor, 11, sender=owner)
    assert usdc.balanceOf(owner) == 10
