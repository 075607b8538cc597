"""The wallet page end to end: connect, wrong chain, deposit, buy, sell back, a rebalance, withdraw all, and
readable errors, in Debian's chromium against one deployed stack (module scope; Ape reverts each test)."""

from tests.browser.conftest import USDC, WAD, confirm, human, sent_transactions, shot, text, wait_for_block
from tests.utils.constants import ZERO_ADDRESS


def test_connect__read_only_then_wallet__shows_vault_and_account(open_page, stack, user):
    vault = stack.system.vault
    page = open_page(connect=False)
    assert "Read-only" in text(page, "wallet")
    assert "Connect a wallet" in text(page, "user-card")
    assert text(page, "nav") == f"{human(vault.totalAssets(), 6)} USDC"
    assert text(page, "free-liquidity") == f"{human(vault.freeAssets(), 6)} USDC"
    assert vault.borrowVenue() == ZERO_ADDRESS and page.is_hidden("[data-testid=short-card]")  # no short leg
    assert "owed" not in text(page, "risk-card")
    assert page.is_disabled("[data-testid=deposit-button]")
    # EIP-6963: the wallet announced itself by name (window.ethereum is the same provider, not listed twice).
    assert page.inner_text("[data-testid=connect-0]") == "Connect Test Wallet"
    assert page.locator("[data-testid^=connect-]").count() == 1
    shot(page, "read-only")

    page.click("[data-testid=connect-0]")
    page.wait_for_selector("[data-testid=account]")
    assert text(page, "account") == f"{user.address[:6]}…{user.address[-4:]}"
    page.wait_for_selector("[data-testid=user-quote]")
    assert text(page, "user-quote") == "100,000.00 USDC"
    assert page.is_enabled("[data-testid=deposit-button]")


def test_connect__legacy_window_ethereum_only__connects(open_page, user):
    page = open_page(announce=False, connect=False)
    assert page.inner_text("[data-testid=connect-0]") == "Connect Browser wallet"
    page.click("[data-testid=connect-0]")
    page.wait_for_selector("[data-testid=account]")
    assert text(page, "user-quote") == "100,000.00 USDC"


def test_connect__account_changed_then_disconnect__page_follows(open_page, depositor, stack):
    page = open_page()
    assert text(page, "user-shares") == "0.0000"
    page.evaluate(f"window.__testWallet.setAccount('{depositor.address}')")
    page.wait_for_function(
        f"document.querySelector('[data-testid=account]').textContent.startsWith('{depositor.address[:6]}')"
    )
    shares = stack.system.vault.balanceOf(depositor)
    page.wait_for_function(
        f"document.querySelector('[data-testid=user-shares]').textContent === '{human(shares, 12, 4)}'"
    )
    page.click("[data-testid=disconnect]")
    page.wait_for_selector("[data-testid=read-only]")
    # The card follows with the next read; a read still in flight for the old account is never shown.
    page.wait_for_function(
        "document.querySelector('[data-testid=user-card]').textContent.includes('Connect a wallet')"
    )
    assert depositor.address[:6] not in text(page, "user-card")
    assert page.is_disabled("[data-testid=deposit-button]")


def test_vault_address_in_url__no_wallet__read_only_view_of_that_vault(open_page, stack, chain):
    vault = stack.system.vault
    page = open_page(
        connect=False, announce=False, legacy=False, query=f"vault={vault.address}&chain={chain.chain_id}"
    )
    assert text(page, "wallet") == "Read-only: no wallet found in this browser"
    assert text(page, "nav") == f"{human(vault.totalAssets(), 6)} USDC"
    assert page.locator("#series-table tr[data-series]").count() == 6
    assert "threshold, time" in text(page, "rebalance-card")  # the hedger, found through the vault


def test_wrong_chain__wallet_switches_away_and_back__page_follows(open_page, chain):
    page = open_page()
    assert page.is_hidden("[data-testid=chain-banner]")
    page.evaluate("window.__testWallet.setChain(1)")
    page.wait_for_selector("[data-testid=chain-banner]", state="visible")
    assert page.is_disabled("[data-testid=trade-button]")
    page.evaluate(f"window.__testWallet.setChain({chain.chain_id})")
    page.wait_for_selector("[data-testid=chain-banner]", state="hidden")
    assert page.is_enabled("[data-testid=trade-button]")


def test_buy__signature_rejected__said_plainly_and_nothing_bought(open_page, stack, user):
    page = open_page()
    page.evaluate("window.__testWallet.rejectNext = true")
    page.click("[data-testid=trade-button]")
    page.wait_for_selector("[data-testid=action-confirm]")
    page.click("[data-testid=action-confirm]")
    page.wait_for_selector("[data-testid=action-error]:visible")
    assert text(page, "action-error") == "You rejected the request in your wallet."
    assert page.get_attribute("#phase-0", "data-phase") == "failed"
    assert stack.system.option_token.balanceOf(user, 1) == 0


def test_wrong_chain__switch_offered__actions_enabled_after(open_page):
    page = open_page(chain_id=1)
    assert page.is_visible("[data-testid=chain-banner]")
    assert "Your wallet is on chain 1" in text(page, "chain-banner")
    assert page.is_disabled("[data-testid=deposit-button]")
    shot(page, "wrong-chain")
    page.click("[data-testid=switch-chain]")
    page.wait_for_selector("[data-testid=chain-banner]", state="hidden")
    assert page.is_enabled("[data-testid=deposit-button]")
    assert "wallet_switchEthereumChain" in page.evaluate("window.__testWallet.calls")


def test_deposit__preview_then_approve_and_deposit__shares_shown(open_page, stack, user):
    vault, quote = stack.system.vault, stack.market.quote
    page = open_page()
    page.fill("[data-testid=deposit-amount]", "2500")
    page.click("[data-testid=deposit-button]")
    page.wait_for_selector("[data-testid=action-confirm]")
    preview = text(page, "action-preview")
    assert "You pay 2,500.00 USDC" in preview
    # The figures the README quotes: 50 bps entry fee on the total, shares at NAV (1M deposited before).
    assert "Entry fee 50 bps, kept by the vault for its depositors: 12.44 USDC" in preview
    assert "You receive ≈ 2,475.1863 shares, worth 2,487.56 USDC at NAV" in preview
    assert "Withdrawing them right away would pay ≈ 2,475.19 USDC" in preview
    steps = text(page, "action-steps")
    assert "Approve 2,500.00 USDC" in steps and "Deposit 2,500.00 USDC" in steps
    shot(page, "deposit-preview")
    confirm(page)
    shares = vault.balanceOf(user)
    assert shares > 0
    assert quote.balanceOf(user) == 97_500 * USDC
    page.click("[data-testid=action-close]")
    page.wait_for_function(
        f"document.querySelector('[data-testid=user-shares]').textContent === '{human(shares, 12, 4)}'"
    )
    assert text(page, "user-value") == f"{human(vault.previewRedeem(shares), 6)} USDC"


def test_buy__approve_and_buy__position_in_series_table(open_page, stack, user):
    vault, token = stack.system.vault, stack.system.option_token
    page = open_page()
    page.fill("[data-testid=trade-amount]", "2")
    page.select_option("[data-testid=trade-series]", "2")
    page.click("[data-testid=trade-button]")
    page.wait_for_selector("[data-testid=action-confirm]")
    preview = text(page, "action-preview")
    assert "You buy 2 options of series #2 call 2,000" in preview
    assert "Breakeven at expiry" in preview and "you pay at most" in preview
    shot(page, "buy-preview")
    confirm(page)
    assert token.balanceOf(user, 2) == 2 * WAD
    page.click("[data-testid=action-close]")
    page.wait_for_function("document.querySelector('[data-testid=held-2]').textContent === '2.0000'")
    value = vault.quoteSell(2, 2 * WAD)
    assert abs(float(text(page, "held-value-2").replace(",", "")) - value / USDC) < 0.05
    shot(page, "overview")


def test_sell_back__options_held__premium_received(open_page, stack, user):
    vault, quote, token = stack.system.vault, stack.market.quote, stack.system.option_token
    quote.approve(vault, 2**256 - 1, sender=user)
    vault.buyOption(4, 3 * WAD, 10_000 * USDC, user, sender=user)
    before = quote.balanceOf(user)
    page = open_page()
    page.wait_for_function("document.querySelector('[data-testid=held-4]').textContent === '3.0000'")
    page.click("tr[data-series='4'] button[data-side=sell]")
    page.fill("[data-testid=trade-amount]", "1")
    page.click("[data-testid=trade-button]")
    page.wait_for_selector("[data-testid=action-confirm]")
    assert "You sell 1 options of series #4 put 1,800 back" in text(page, "action-preview")
    confirm(page)
    assert token.balanceOf(user, 4) == 2 * WAD
    assert quote.balanceOf(user) > before


def test_rebalance__keeper_rebalances__shown_on_page(open_page, stack, trader, keeper, owner, chain):
    vault, quote, hedger = stack.system.vault, stack.market.quote, stack.system.hedger
    page = open_page()
    assert "no rebalance yet" in text(page, "rebalance-card")
    quote.mint(trader, 1_000_000 * USDC, sender=owner)
    quote.approve(vault, 2**256 - 1, sender=trader)
    vault.buyOption(2, 10 * WAD, 100_000 * USDC, trader, sender=trader)
    wait_for_block(page, chain.blocks.head.number)
    assert text(page, "rebalance-status") == "threshold band crossed, cooling down"
    chain.pending_timestamp = hedger.rebalanceStatus().nextAllowed + 1
    stack.price_feed.pushAnswer(2000 * 10**8, sender=owner)  # fresh price after the wait
    wait_for_block(page, chain.blocks.head.number)
    assert text(page, "rebalance-status") == "due: threshold rule"
    assert text(page, "delta-vs-band") == "outside"
    assert hedger.rebalanceStatus().due
    hedger.rebalance(sender=keeper)
    wait_for_block(page, chain.blocks.head.number)
    rows = page.locator("[data-testid=rebalances] tr")
    assert rows.count() == 2  # header + the rebalance
    assert "threshold" in rows.nth(1).inner_text()
    assert text(page, "delta-vs-band") == "inside"
    assert text(page, "hedge") != "0.0000 WETH"
    shot(page, "rebalance")


def test_withdraw_all__shares_redeemed__quote_back(open_page, stack, user):
    vault, quote = stack.system.vault, stack.market.quote
    quote.approve(vault, 2**256 - 1, sender=user)
    vault.deposit(5_000 * USDC, user, sender=user)
    expected = vault.previewRedeem(vault.balanceOf(user))
    page = open_page()
    page.check("[data-testid=withdraw-all]")
    page.click("[data-testid=withdraw-button]")
    page.wait_for_selector("[data-testid=action-confirm]")
    assert f"receive ≈ {human(expected, 6)} USDC" in text(page, "action-preview")
    confirm(page)
    assert vault.balanceOf(user) == 0
    assert quote.balanceOf(user) == 95_000 * USDC + expected


def test_deposit__insufficient_balance__readable_error_and_nothing_sent(open_page, broke):
    page = open_page(broke)
    page.fill("[data-testid=deposit-amount]", "1000")
    page.click("[data-testid=deposit-button]")
    page.wait_for_selector("[data-testid=action-error]:visible")
    assert text(page, "action-error") == "Insufficient USDC: you hold 0.00 USDC, 1,000.00 USDC needed."
    assert page.is_hidden("[data-testid=action-confirm]")
    assert sent_transactions(page) == 0
    shot(page, "error-balance")


def test_buy__below_minimum__contract_error_in_plain_words(open_page):
    page = open_page()
    page.fill("[data-testid=trade-amount]", "0.0000005")
    page.click("[data-testid=trade-button]")
    page.wait_for_selector("[data-testid=action-error]:visible")
    assert text(page, "action-error") == (
        "0.0000005 options is below the vault's minimum trade of 0.000001 options: smaller amounts would round "
        "the premium and the collateral to nothing. Enter at least 0.000001 options."
    )
    assert sent_transactions(page) == 0
    shot(page, "error-revert")


def test_deposit__vault_paused_after_preview__simulation_reverts_readably(open_page, stack, owner):
    vault = stack.system.vault
    page = open_page()
    page.fill("[data-testid=deposit-amount]", "100")
    page.click("[data-testid=deposit-button]")
    page.wait_for_selector("[data-testid=action-confirm]")
    vault.pause(sender=owner)
    page.click("[data-testid=action-confirm]")
    page.wait_for_selector("[data-testid=action-error]:visible")
    assert text(page, "action-error").startswith("The vault is paused: deposits and new options are stopped.")
    # The approval went through; the deposit was stopped by its simulation, before the wallet was asked.
    assert sent_transactions(page) == 1
    assert page.get_attribute("#phase-1", "data-phase") == "failed"


def test_request_deposit__fulfilled_at_the_due_round__shares_from_the_page(
    open_page, stack, user, owner, chain, project
):
    vault = stack.system.vault
    queue = project.RequestQueue.at(vault.requestQueue())
    page = open_page()
    page.select_option("[data-testid=entry-mode]", "request")
    page.fill("[data-testid=deposit-amount]", "1000")
    page.click("[data-testid=deposit-button]")
    page.wait_for_selector("[data-testid=action-confirm]")
    preview = text(page, "action-preview")
    assert "You put 1,000.00 USDC in the vault's request queue now" in preview
    assert "without the jump band" in preview and "cannot be cancelled" in preview
    assert "Approve 1,000.00 USDC for the request queue" in text(page, "action-steps")
    confirm(page)
    assert queue.pendingDepositRequest(0, user) == 1_000 * USDC
    page.click("[data-testid=action-close]")
    page.wait_for_selector("[data-testid=request-deposit]")
    assert "due in" in text(page, "request-deposit")
    assert page.locator("[data-testid=fulfil-deposit]").count() == 0

    chain.pending_timestamp = queue.dueAt(user, True) + 1
    stack.price_feed.pushAnswer(2_000 * 10**8, sender=owner)  # the first price round after the due time
    page.wait_for_selector("[data-testid=fulfil-deposit]")
    shot(page, "request")
    page.click("[data-testid=fulfil-deposit]")
    page.wait_for_selector("[data-testid=action-confirm]")
    confirm(page)
    assert queue.pendingDepositRequest(0, user) == 0
    shares = vault.balanceOf(user)
    assert shares > 0
    page.click("[data-testid=action-close]")
    page.wait_for_function(
        f"document.querySelector('[data-testid=user-shares]').textContent === '{human(shares, 12, 4)}'"
    )
    assert page.is_hidden("[data-testid=requests]")


def test_request_withdraw_all__fulfilled_at_the_due_round__quote_back(
    open_page, stack, user, owner, chain, project
):
    vault, quote = stack.system.vault, stack.market.quote
    queue = project.RequestQueue.at(vault.requestQueue())
    quote.approve(vault, 2**256 - 1, sender=user)
    vault.deposit(5_000 * USDC, user, sender=user)
    shares = vault.balanceOf(user)
    page = open_page()
    page.select_option("[data-testid=entry-mode]", "request")
    page.check("[data-testid=withdraw-all]")
    page.click("[data-testid=withdraw-button]")
    page.wait_for_selector("[data-testid=action-confirm]")
    assert f"You put {human(shares, 12, 4)} shares in the vault's request queue now" in text(
        page, "action-preview"
    )
    confirm(page)
    assert vault.balanceOf(user) == 0 and queue.pendingRedeemRequest(0, user) == shares
    page.click("[data-testid=action-close]")
    chain.pending_timestamp = queue.dueAt(user, False) + 1
    stack.price_feed.pushAnswer(2_000 * 10**8, sender=owner)
    before = quote.balanceOf(user)
    page.click("[data-testid=fulfil-redeem]")
    page.wait_for_selector("[data-testid=action-confirm]")
    confirm(page)
    assert queue.pendingRedeemRequest(0, user) == 0
    paid = quote.balanceOf(user) - before
    assert 4_900 * USDC < paid < 5_000 * USDC  # entry and exit fees, no band
