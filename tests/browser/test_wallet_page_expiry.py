"""The wallet page after expiry: withdrawals wait for the settlement, the series is settled from the page, the
options are redeemed for their payoff, and withdrawals open again. Its own module (its own stack): the chain
travels a week forward."""

from tests.browser.conftest import USDC, WAD, confirm, shot, text


def test_settle_and_redeem__after_expiry__payout_paid(open_page, stack, user, owner, chain):
    vault, quote, token = stack.system.vault, stack.market.quote, stack.system.option_token
    series_id = 6  # the 7-day 2,000 call (cap 2,000)
    quote.approve(vault, 2**256 - 1, sender=user)
    vault.buyOption(series_id, 2 * WAD, 10_000 * USDC, user, sender=user)
    vault.deposit(1_000 * USDC, user, sender=user)
    expiry = vault.series(series_id).expiry
    chain.pending_timestamp = expiry + 60
    stack.price_feed.pushAnswer(2_300 * 10**8, sender=owner)  # the first round after expiry: 2,300
    stack.vol_feed.pushAnswer(80_000_000, sender=owner)
    before = quote.balanceOf(user)

    page = open_page()
    assert text(page, f"state-{series_id}") == "expired, awaiting settlement"
    assert page.locator(f"tr[data-series='{series_id}']").count() == 0  # no longer in the live table
    # Share withdrawals wait for the settlement; the page says so and where to settle, before sending anything.
    page.check("[data-testid=withdraw-all]")
    page.click("[data-testid=withdraw-button]")
    page.wait_for_selector("[data-testid=action-error]:visible")
    assert f"Series #{series_id} expired on" in text(page, "action-error")
    assert "is not settled yet: withdrawals wait until it is" in text(page, "action-error")
    page.click("[data-testid=action-close]")

    page.click(f"[data-testid=settle-{series_id}]")
    page.wait_for_selector("[data-testid=action-confirm]")
    assert "first oracle round after expiry" in text(page, "action-preview")
    confirm(page)
    assert vault.series(series_id).settled
    page.click("[data-testid=action-close]")
    page.wait_for_function(
        f"document.querySelector('[data-testid=state-{series_id}]').textContent === 'settled'"
    )
    assert text(page, f"payout-{series_id}") == "600.00 USDC"  # 2 options x (2,300 - 2,000)
    shot(page, "settled")

    page.click(f"[data-testid=redeem-{series_id}]")
    page.wait_for_selector("[data-testid=action-confirm]")
    assert "receive 600.00 USDC" in text(page, "action-preview")
    confirm(page)
    assert token.balanceOf(user, series_id) == 0
    assert quote.balanceOf(user) == before + 600 * USDC

    # Settled: withdrawals are open again.
    page.click("[data-testid=action-close]")
    page.click("[data-testid=withdraw-button]")
    page.wait_for_selector("[data-testid=action-confirm]")
    confirm(page)
    assert vault.balanceOf(user) == 0
