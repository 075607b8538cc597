"""Oracle checks: staleness, non-positive answers, L2 sequencer status and grace period, volatility feed,
decimals, and verification of settlement rounds."""

import pytest

from tests.utils.vault import (
    HOUR,
    WAD,
    buy,
    call_reverts,
    list_series,
    oracle_config,
    reverts,
)

ROUND_1 = 2**64 + 1


@pytest.fixture(scope="module")
def funded(create_vault, depositor, manager):
    env = create_vault()
    env.deposit(depositor, 1_000_000 * env.q)
    sid = list_series(env, manager, 2000, 500, days=30)
    return env, sid


# ---------------------------------------------------------------- price reads


def test_spot__fresh_answer__normalised_to_wad(funded, owner):
    env, _ = funded
    assert env.vault.spotPrice() == 2000 * WAD
    env.set_price(2345.678, owner)
    assert env.vault.spotPrice() == 2345_678 * 10**15


@pytest.mark.parametrize("decimals", [0, 8, 18, 24])
def test_spot__feed_decimals__normalised_to_wad(create_vault, create_feed, decimals):
    feed = create_feed(1999, decimals=decimals)
    env = create_vault(oracle=oracle_config(feed))
    assert env.vault.spotPrice() == 1999 * WAD


def test_spot__stale_answer__reverts_everywhere(funded, depositor, trader, chain):
    env, sid = funded
    vault = env.vault
    updated_at = env.feed.latestRoundData().updatedAt
    chain.mine(timestamp=updated_at + HOUR + 1)
    call_reverts(vault.OracleStale, vault.spotPrice, feed=env.feed.address, updatedAt=updated_at, maxAge=HOUR)
    call_reverts(vault.OracleStale, vault.totalAssets, updatedAt=updated_at)
    with reverts(vault.OracleStale, feed=env.feed.address, updatedAt=updated_at, maxAge=HOUR):
        vault.buyOption(sid, WAD, 10**30, trader, sender=trader)
    env.fund(depositor, 1_000 * env.q)
    with reverts(vault.OracleStale, updatedAt=updated_at):
        vault.deposit(1_000 * env.q, depositor, sender=depositor)


def test_spot__answer_at_max_age__accepted(funded, chain):
    env, _ = funded
    updated_at = env.feed.latestRoundData().updatedAt
    chain.mine(timestamp=updated_at + HOUR)
    assert env.vault.spotPrice() == 2000 * WAD


@pytest.mark.parametrize("answer", [0, -1, -(2000 * 10**8)])
def test_spot__non_positive_answer__reverts(funded, owner, trader, answer):
    env, sid = funded
    env.feed.pushAnswer(answer, sender=owner)
    call_reverts(env.vault.OracleAnswerNotPositive, env.vault.spotPrice, feed=env.feed.address, answer=answer)
    with reverts(env.vault.OracleAnswerNotPositive, answer=answer):
        env.vault.buyOption(sid, WAD, 10**30, trader, sender=trader)


# ---------------------------------------------------------------- L2 sequencer


@pytest.fixture(scope="module")
def l2(create_vault, create_feed, project, owner, depositor, manager, chain):
    """A vault on an L2: sequencer feed up since 2 hours (grace period 1 hour)."""
    sequencer = owner.deploy(project.TestAggregator, 0, "L2 Sequencer Uptime Status Feed")
    chain.mine(timestamp=chain.pending_timestamp + 2 * HOUR)
    sequencer.pushAnswerAt(0, chain.blocks.head.timestamp - 2 * HOUR, sender=owner)
    feed = create_feed(2000)
    env = create_vault(oracle=oracle_config(feed, sequencer=sequencer, grace=HOUR))
    env.feed = feed
    env.deposit(depositor, 1_000_000 * env.q)
    sid = list_series(env, manager, 2000, 500, days=30)
    return env, sid, sequencer


def test_sequencer__up_past_grace__prices_accepted(l2, trader):
    env, sid, _ = l2
    assert env.vault.spotPrice() == 2000 * WAD
    assert buy(env, trader, sid, WAD) > 0


def test_sequencer__down__reverts(l2, owner, trader):
    env, sid, sequencer = l2
    sequencer.pushAnswer(1, sender=owner)
    call_reverts(env.vault.SequencerDown, env.vault.spotPrice, feed=sequencer.address)
    with reverts(env.vault.SequencerDown, feed=sequencer.address):
        env.vault.buyOption(sid, WAD, 10**30, trader, sender=trader)


def test_sequencer__back_up_within_grace__reverts_until_grace_ends(l2, owner, trader, chain):
    env, sid, sequencer = l2
    sequencer.pushAnswer(1, sender=owner)
    up_since = sequencer.pushAnswer(0, sender=owner).timestamp
    env.set_price(2000, owner)
    call_reverts(
        env.vault.SequencerGracePeriod,
        env.vault.spotPrice,
        feed=sequencer.address,
        upSince=up_since,
        gracePeriod=HOUR,
    )
    with reverts(env.vault.SequencerGracePeriod, upSince=up_since, gracePeriod=HOUR):
        env.vault.buyOption(sid, WAD, 10**30, trader, sender=trader)
    chain.mine(timestamp=up_since + HOUR - 1)
    call_reverts(env.vault.SequencerGracePeriod, env.vault.spotPrice, upSince=up_since)
    chain.pending_timestamp = up_since + HOUR
    env.set_price(2000, owner)
    assert env.vault.spotPrice() == 2000 * WAD


def test_sequencer__started_at_zero__treated_as_not_up(l2, owner):
    env, _, sequencer = l2
    sequencer.pushRound(0, 0, sequencer.latestRoundData().updatedAt, sender=owner)
    call_reverts(env.vault.SequencerGracePeriod, env.vault.spotPrice, upSince=0, gracePeriod=HOUR)


# ---------------------------------------------------------------- volatility feed


@pytest.fixture(scope="module")
def vol_env(create_vault, create_feed, owner):
    vol_feed = create_feed(0.65, decimals=8, description="ETH IV")
    feed = create_feed(2000)
    env = create_vault(oracle=oracle_config(feed, vol_feed=vol_feed, vol_max_age=2 * HOUR))
    env.feed = feed
    return env, vol_feed


def test_vol_feed__answer__used_as_implied_vol(vol_env, owner):
    env, vol_feed = vol_env
    assert env.vault.impliedVol() == 65 * 10**16
    vol_feed.pushAnswer(120_000_000, sender=owner)
    assert env.vault.impliedVol() == 12 * 10**17


@pytest.mark.parametrize("answer", [4_999_999, 500_000_001])
def test_vol_feed__out_of_bounds__reverts(vol_env, owner, answer):
    env, vol_feed = vol_env
    vol_feed.pushAnswer(answer, sender=owner)
    call_reverts(env.vault.VolatilityOutOfBounds, env.vault.impliedVol, vol=answer * 10**10, min=5 * 10**16)


def test_vol_feed__stale__reverts_with_its_own_max_age(vol_env, owner, chain):
    env, vol_feed = vol_env
    updated_at = vol_feed.latestRoundData().updatedAt
    chain.pending_timestamp = updated_at + 2 * HOUR + 1
    env.set_price(2000, owner)
    call_reverts(env.vault.OracleStale, env.vault.impliedVol, feed=vol_feed.address, maxAge=2 * HOUR)


def test_vol_feed__manual_vol__reverts(vol_env, manager):
    env, vol_feed = vol_env
    with reverts(env.vault.VolatilityFromFeed, volFeed=vol_feed.address):
        env.vault.setImpliedVol(WAD, sender=manager)


# ---------------------------------------------------------------- settlement rounds


@pytest.fixture(scope="module")
def expired(create_vault, depositor, trader, manager, owner, chain):
    """A call series bought and expired; price rounds at expiry - 600 (r0), expiry + 60 (r1), expiry + 120 (r2).
    The feed's first round (ROUND_1) is at deployment."""
    env = create_vault()
    env.deposit(depositor, 1_000_000 * env.q)
    sid = list_series(env, manager, 2000, 500, days=2)
    buy(env, trader, sid, 10 * WAD)
    expiry = env.vault.series(sid).expiry
    rounds = []
    for offset, price in ((-600, 2100), (60, 2200), (120, 2300)):
        chain.pending_timestamp = expiry + offset
        rounds.append(env.feed.pushAnswer(price * 10**8, sender=owner).return_value)
    return env, sid, expiry, rounds


def test_settle__first_round_at_or_after_expiry__accepted(expired, keeper):
    env, sid, expiry, (r0, r1, r2) = expired
    tx = env.vault.settle(sid, r1, sender=keeper)  # anyone may settle
    s = env.vault.series(sid)
    assert s.settled and s.payoffPerOption == 200 * WAD
    [event] = tx.decode_logs(env.vault.SeriesSettled)
    assert (event.roundId, event.settlementPrice, event.totalPayout) == (r1, 2200 * WAD, 2_000 * env.q)


def test_settle__round_before_expiry__reverts(expired, keeper):
    env, sid, expiry, (r0, r1, r2) = expired
    with reverts(env.vault.InvalidSettlementRound, roundId=r0, updatedAt=expiry - 600, expiry=expiry):
        env.vault.settle(sid, r0, sender=keeper)
    assert not env.vault.series(sid).settled


def test_settle__later_round_whose_predecessor_is_after_expiry__reverts(expired, keeper):
    env, sid, expiry, (r0, r1, r2) = expired
    with reverts(
        env.vault.InvalidSettlementRound, roundId=r2, updatedAt=expiry + 120, previousUpdatedAt=expiry + 60
    ):
        env.vault.settle(sid, r2, sender=keeper)


@pytest.mark.parametrize("round_id", [0, 2**64 + 99, 2**65 + 2], ids=["zero", "unknown", "other-phase"])
def test_settle__unknown_round__reverts(expired, keeper, round_id):
    env, sid, expiry, _ = expired
    with reverts(env.vault.InvalidSettlementRound, roundId=round_id, updatedAt=0, expiry=expiry):
        env.vault.settle(sid, round_id, sender=keeper)


def test_settle__first_round_of_phase_after_expiry__reverts(
    project, owner, manager, keeper, create_vault, chain
):
    """The feed's very first round is after expiry: its predecessor does not exist, so it cannot be verified."""
    feed = owner.deploy(project.TestAggregator, 8, "ETH / USD")
    feed.pushAnswer(2000 * 10**8, sender=owner)
    env = create_vault(oracle=oracle_config(feed))
    sid = list_series(env, manager, 2000, 500, days=1)
    expiry = env.vault.series(sid).expiry
    # A new feed (new phase) configured after expiry: its first round is the first after expiry.
    chain.pending_timestamp = expiry + 10
    new_feed = owner.deploy(project.TestAggregator, 8, "ETH / USD v2")
    new_feed.pushAnswer(2100 * 10**8, sender=owner)
    env.vault.setOracleConfig(oracle_config(new_feed), sender=owner)
    updated_at = new_feed.latestRoundData().updatedAt
    assert updated_at >= expiry
    with reverts(
        env.vault.InvalidSettlementRound, roundId=ROUND_1, updatedAt=updated_at, previousUpdatedAt=0
    ):
        env.vault.settle(sid, ROUND_1, sender=keeper)


def test_settle__non_positive_settlement_answer__reverts(owner, keeper, chain, create_vault, manager):
    env = create_vault()
    sid = list_series(env, manager, 2000, 500, days=1)
    expiry = env.vault.series(sid).expiry
    chain.pending_timestamp = expiry - 10
    env.set_price(2000, owner)
    chain.pending_timestamp = expiry
    rid = env.feed.pushAnswer(0, sender=owner).return_value
    with reverts(env.vault.OracleAnswerNotPositive, feed=env.feed.address, answer=0):
        env.vault.settle(sid, rid, sender=keeper)
