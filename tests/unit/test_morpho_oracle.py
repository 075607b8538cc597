"""ChainlinkMorphoOracle: Morpho's `IOracle.price()` over a Chainlink base/quote feed (1e36 scale, decimals
adjusted, rounded down), with the vault's checks: positive answer, maximum age, L2 sequencer up and past grace."""

from fractions import Fraction

import pytest

from tests.utils.morpho import constructor_error
from tests.utils.vault import HOUR, ZERO_ADDRESS, call_reverts


@pytest.fixture(scope="module")
def create_oracle(project, owner):
    def create(
        base_decimals=18,
        quote_decimals=6,
        feed_decimals=8,
        answer=2000,
        max_age=HOUR,
        sequencer=ZERO_ADDRESS,
        grace=0,
    ):
        base = owner.deploy(project.TestERC20, "Wrapped Ether", "WETH", base_decimals)
        quote = owner.deploy(project.TestERC20, "USD Coin", "USDC", quote_decimals)
        feed = owner.deploy(project.TestAggregator, feed_decimals, "ETH / USD")
        if answer is not None:
            feed.pushAnswer(int(Fraction(str(answer)) * 10**feed_decimals), sender=owner)
        oracle = owner.deploy(project.ChainlinkMorphoOracle, feed, max_age, base, quote, sequencer, grace)
        return oracle, feed

    return create


def expected_price(answer_raw: int, base_decimals: int, quote_decimals: int, feed_decimals: int) -> int:
    """One raw unit of quote in raw units of base, times 1e36, rounded down (Morpho's IOracle definition)."""
    spot = Fraction(answer_raw, 10**feed_decimals)  # whole quote per whole base
    base_per_quote_raw = Fraction(10**base_decimals, 10**quote_decimals) / spot
    return int(base_per_quote_raw * 10**36)  # int() of a positive Fraction rounds down


@pytest.mark.parametrize(
    ("base_decimals", "quote_decimals", "feed_decimals", "answer"),
    [
        (18, 6, 8, 2000),  # WETH / USDC, Chainlink ETH / USD
        (18, 6, 8, "1234.56789012"),
        (8, 6, 8, 65000),  # WBTC / USDC
        (18, 18, 8, 2000),  # WETH / DAI
        (18, 6, 18, "2000.123456789012345678"),  # an 18-decimal feed
        (6, 18, 8, "0.5"),  # base with fewer decimals than quote
    ],
)
def test_price__decimals__equals_independent_formula(
    create_oracle, base_decimals, quote_decimals, feed_decimals, answer
):
    oracle, feed = create_oracle(base_decimals, quote_decimals, feed_decimals, answer)
    raw = feed.latestRoundData().answer
    price = oracle.price()
    assert price == expected_price(raw, base_decimals, quote_decimals, feed_decimals)
    assert oracle.scale() == 10 ** (36 + base_decimals + feed_decimals - quote_decimals)
    # Precision Morpho needs: 1 whole quote in whole base, to better than 1e-12 relative.
    whole = Fraction(price * 10**quote_decimals, 10 ** (36 + base_decimals))
    assert abs(whole * Fraction(raw, 10**feed_decimals) - 1) < Fraction(1, 10**12)


def test_price__usdc_weth_at_2000__is_5e44(create_oracle):
    oracle, _ = create_oracle(18, 6, 8, 2000)
    # 1 USDC unit (1e-6 USD) = 5e-10 ETH = 5e8 wei, times 1e36.
    assert oracle.price() == 5 * 10**44


def test_price__stale_answer__reverts_with_age(create_oracle, owner, chain):
    oracle, feed = create_oracle(max_age=HOUR)
    updated_at = feed.latestRoundData().updatedAt
    chain.pending_timestamp = updated_at + HOUR
    chain.mine()
    assert oracle.price() == 5 * 10**44  # exactly max age: still fresh
    chain.pending_timestamp = updated_at + HOUR + 1
    chain.mine()
    call_reverts(oracle.OracleStale, oracle.price, feed=feed.address, updatedAt=updated_at, maxAge=HOUR)


@pytest.mark.parametrize("answer", [0, -1, -(2**255)])
def test_price__non_positive_answer__reverts(create_oracle, owner, answer):
    oracle, feed = create_oracle()
    feed.pushAnswer(answer, sender=owner)
    call_reverts(oracle.OracleAnswerNotPositive, oracle.price, feed=feed.address, answer=answer)


def test_price__sequencer_down_or_in_grace__reverts(project, create_oracle, owner, chain):
    sequencer = owner.deploy(project.TestAggregator, 0, "L2 Sequencer Uptime Status Feed")
    sequencer.pushAnswerAt(0, chain.blocks.head.timestamp - 2 * HOUR, sender=owner)
    oracle, feed = create_oracle(sequencer=sequencer.address, grace=HOUR)
    assert oracle.price() == 5 * 10**44
    sequencer.pushAnswer(1, sender=owner)
    call_reverts(oracle.SequencerDown, oracle.price, feed=sequencer.address)
    sequencer.pushAnswer(0, sender=owner)
    started = sequencer.latestRoundData().startedAt
    call_reverts(oracle.SequencerGracePeriod, oracle.price, feed=sequencer.address, upSince=started)
    chain.pending_timestamp = started + HOUR
    feed.pushAnswer(2000 * 10**8, sender=owner)  # the price feed stays fresh meanwhile
    assert oracle.price() == 5 * 10**44


def test_constructor__zero_max_age__reverts(project, owner):
    base = owner.deploy(project.TestERC20, "Wrapped Ether", "WETH", 18)
    quote = owner.deploy(project.TestERC20, "USD Coin", "USDC", 6)
    feed = owner.deploy(project.TestAggregator, 8, "ETH / USD")
    container = project.ChainlinkMorphoOracle
    assert constructor_error(container, container.ZeroMaxAge, feed, 0, base, quote, ZERO_ADDRESS, 0) == {}


@pytest.mark.parametrize(
    ("base_decimals", "quote_decimals", "feed_decimals"),
    [(40, 6, 8), (18, 70, 8), (18, 6, 60)],
)
def test_constructor__unrepresentable_scale__reverts(
    project, owner, base_decimals, quote_decimals, feed_decimals
):
    base = owner.deploy(project.TestERC20, "Wrapped Ether", "WETH", base_decimals)
    quote = owner.deploy(project.TestERC20, "USD Coin", "USDC", quote_decimals)
    feed = owner.deploy(project.TestAggregator, feed_decimals, "ETH / USD")
    container = project.ChainlinkMorphoOracle
    inputs = constructor_error(
        container, container.DecimalsOutOfRange, feed, HOUR, base, quote, ZERO_ADDRESS, 0
    )
    assert inputs == {
        "baseDecimals": base_decimals,
        "quoteDecimals": quote_decimals,
        "feedDecimals": feed_decimals,
    }
