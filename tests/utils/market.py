"""A complete local market for rebalancing tests: Uniswap V3 pool, price feed, vault system, helpers to move it.

`Market.move(price)` moves the pool (one real swap) and pushes the same price to the feed; `Market.advance(s)`
travels in time and pushes a fresh answer (the feed's maximum age is one hour).
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from deltavault.local import uniswap
from deltavault.policy import HedgePolicy, Rules
from tests.utils.constants import DAY, USDC, WAD
from tests.utils.constants import HOUR as HOUR_S

__all__ = ["DAY", "HOUR_S", "SERIES_LIFE", "THRESHOLD_POLICY", "USDC", "WAD", "Market"]

# The rebalancing tests' base policy: the threshold (0.5) and time (1 day) rules, every other field the
# package default. The default policy runs the cost-aware rule alone; tests of that rule say so.
# The rule tests' policy: threshold + time rules and a 0.05 ETH minimum band (the default's cost rule is off here, and
# its wider minimum band would hide the small deviations these tests place around the band's edges).
THRESHOLD_POLICY = HedgePolicy.for_quote_decimals(6, rules=Rules.THRESHOLD | Rules.TIME, min_band=WAD // 20)

SERIES_LIFE = 30 * DAY


@dataclass
class Market:
    stack: Any
    feed: Any
    vault: Any
    hedger: Any
    adapter: Any
    owner: Any
    manager: Any
    trader: Any
    maker: Any
    chain: Any
    call_id: int
    put_id: int

    # ------------------------------------------------------------------ tokens and venue

    @property
    def base(self):
        return self.stack.base

    @property
    def quote(self):
        return self.stack.quote

    @property
    def pool(self):
        return self.stack.pool

    @property
    def uni(self):
        return self.stack.uni

    def pool_price(self) -> Decimal:
        return uniswap.pool_price(self.pool)

    # ------------------------------------------------------------------ moving the market

    @property
    def price(self) -> Decimal:
        """The feed's latest answer (read from the chain: the object outlives each test's snapshot)."""
        return Decimal(self.feed.latestRoundData().answer) / 10**8

    def push_price(self, price=None) -> None:
        """Pushes `price` (default: the latest answer again) to the feed, now."""
        answer = self.feed.latestRoundData().answer if price is None else int(Decimal(str(price)) * 10**8)
        self.feed.pushAnswer(answer, sender=self.owner)

    def move(self, price, *, feed: bool = True) -> None:
        """Moves the pool to `price` with one swap by the market maker; pushes the same price to the feed."""
        uniswap.swap_to_price(self.uni, self.pool, price, self.maker)
        if feed:
            self.push_price(price)

    def advance(self, seconds: int) -> None:
        """Travels `seconds` and pushes a fresh feed answer at the current price."""
        self.chain.pending_timestamp += seconds
        self.push_price()

    # ------------------------------------------------------------------ positions and policy

    def write(self, series_id: int, amount: int):
        """The trader buys `amount` (WAD) options of `series_id` from the vault (the vault goes short)."""
        return self.vault.buyOption(series_id, amount, 2**255, self.trader, sender=self.trader)

    def set_policy(self, **changes) -> HedgePolicy:
        policy = THRESHOLD_POLICY.with_(**changes)
        self.hedger.setPolicy(policy.as_tuple(), sender=self.owner)
        return policy

    # ------------------------------------------------------------------ readings

    def status(self):
        return self.hedger.rebalanceStatus()

    def delta(self) -> int:
        return self.vault.portfolioGreeks().delta

    def deviation(self) -> int:
        """D - T now, WAD."""
        return self.delta() - self.hedger.policy().target

    def base_held(self) -> int:
        return self.base.balanceOf(self.vault)

    def quote_held(self) -> int:
        return self.quote.balanceOf(self.vault)

    def nav(self) -> int:
        """Quote + base at the oracle price (quote units), before option liabilities."""
        return self.quote_held() + self.base_held() * int(self.price * 10**6) // WAD
