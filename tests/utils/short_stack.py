"""A local stack with the short leg (`deploy_stack(short_leg=ShortLegSpec())`) for the tooling tests: the keeper,
its bot, the wallet CLI and the SDK read the same Morpho Blue market the deploy script sets up."""

from dataclasses import dataclass
from typing import Any

from deltavault.local import lending
from deltavault.policy import HedgePolicy
from tests.utils.constants import MAX_UINT, WAD

PUT_ATM = 5  # DEFAULT_SERIES: the 30-day at-the-money put
CALL_ATM = 2


@dataclass
class ShortStack:
    stack: Any  # deltavault.local.stack.Stack
    owner: Any
    chain: Any

    @property
    def record(self) -> dict[str, Any]:
        return self.stack.record

    @property
    def vault(self):
        return self.stack.system.vault

    @property
    def hedger(self):
        return self.stack.system.hedger

    @property
    def quote(self):
        return self.stack.market.quote

    @property
    def base(self):
        return self.stack.market.base

    @property
    def venue(self):
        from ape import project

        return project.MorphoBlueVenue.at(self.record["borrowVenue"])

    @property
    def morpho(self):
        return lending.morpho_container().at(self.record["morpho"])

    def push_price(self, price: int | None = None) -> None:
        feed = self.stack.price_feed
        answer = feed.latestRoundData().answer if price is None else price * 10**8
        feed.pushAnswer(answer, sender=self.owner)

    def advance(self, seconds: int = 120, price: int | None = None) -> None:
        self.chain.pending_timestamp += seconds
        self.push_price(price)

    def write_puts(self, trader, amount: int = 30 * WAD) -> None:
        self.quote.mint(trader, 1_000_000 * 10**6, sender=trader)
        self.quote.approve(self.vault, MAX_UINT, sender=trader)
        self.vault.buyOption(PUT_ATM, amount, 2**255, trader, sender=trader)

    def set_policy(self, **changes) -> None:
        policy = HedgePolicy.for_quote_decimals(6).with_(**changes)
        self.hedger.setPolicy(policy.as_tuple(), sender=self.owner)

    def drain(self, borrower) -> None:
        """Another borrower takes every unit the market can lend (the venue reports `NoLiquidity`)."""
        params = self.morpho.idToMarketParams(self.record["morphoMarketId"])
        self.quote.mint(borrower, 100_000_000 * 10**6, sender=borrower)
        self.quote.approve(self.morpho, MAX_UINT, sender=borrower)
        self.morpho.supplyCollateral(params, 100_000_000 * 10**6, borrower, b"", sender=borrower)
        available = self.venue.availableLiquidity()
        self.morpho.borrow(params, available, 0, borrower, borrower, sender=borrower)


def deploy_short_stack(owner, depositor, chain, deposit: int = 1_000_000) -> ShortStack:
    """The stack of `ape run deploy stack --short-leg`, with `deposit` USDC deposited by the depositor."""
    from deltavault.local.stack import ShortLegSpec, deploy_stack

    stack = deploy_stack(owner, liquidity=2_000_000, short_leg=ShortLegSpec())
    quote, vault = stack.market.quote, stack.system.vault
    quote.mint(depositor, deposit * 10**6, sender=depositor)
    quote.approve(vault, MAX_UINT, sender=depositor)
    vault.deposit(deposit * 10**6, depositor, sender=depositor)
    return ShortStack(stack, owner, chain)
