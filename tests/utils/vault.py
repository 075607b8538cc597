"""Defaults and helpers for DeltaVault tests."""

from dataclasses import dataclass
from typing import Any

WAD = 10**18
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
HOUR = 3600
DAY = 86400


def default_policy(**overrides) -> tuple:
    """Policy struct (entryFeeBps, exitFeeBps, baseSpreadBps, exposureSpreadBps, minPremiumBps, gammaLimit,
    vegaLimit)."""
    p = {
        "entryFeeBps": 50,
        "exitFeeBps": 50,
        "baseSpreadBps": 100,
        "exposureSpreadBps": 500,
        "minPremiumBps": 10,
        "gammaLimit": 10**30,
        "vegaLimit": 10**30,
    }
    p.update(overrides)
    return tuple(p.values())


def oracle_config(feed, max_age=HOUR, vol_feed=ZERO_ADDRESS, vol_max_age=0, sequencer=ZERO_ADDRESS, grace=0):
    return (feed, max_age, vol_feed, vol_max_age, sequencer, grace)


@dataclass
class VaultEnv:
    vault: Any
    quote: Any
    base: Any
    feed: Any
    option_token: Any

    @property
    def q(self) -> int:
        """One whole quote token in its units."""
        return 10 ** self.quote.decimals()

    @property
    def b(self) -> int:
        """One whole base token in its units."""
        return 10 ** self.base.decimals()

    def fund(self, account, quote_amount: int) -> None:
        """Mints `quote_amount` (quote units) to `account` and approves the vault."""
        self.quote.mint(account, quote_amount, sender=account)
        self.quote.approve(self.vault, 2**256 - 1, sender=account)

    def deposit(self, account, quote_amount: int):
        self.fund(account, quote_amount)
        return self.vault.deposit(quote_amount, account, sender=account)

    def set_price(self, price, owner) -> None:
        decimals = self.feed.decimals()
        self.feed.pushAnswer(int(price * 10**decimals), sender=owner)
