"""TestAggregator: a Chainlink-compatible feed with a real round history (price feed and sequencer feed)."""

import ape
import pytest

PHASE = 1 << 64
FIRST_ROUND = PHASE + 1


@pytest.fixture(scope="session")
def create_aggregator(project, owner):
    def create(decimals=8, description="ETH / USD"):
        return owner.deploy(project.TestAggregator, decimals, description)

    return create


@pytest.fixture
def feed(create_aggregator):
    return create_aggregator()


def test_aggregator__metadata__as_deployed(create_aggregator, owner):
    feed = create_aggregator(0, "L2 Sequencer Uptime Status Feed")
    assert feed.decimals() == 0
    assert feed.description() == "L2 Sequencer Uptime Status Feed"
    assert feed.version() == 4
    assert feed.owner() == owner.address


def test_latest_round_data__no_round_yet__reverts(feed):
    assert feed.latestRound() == 0
    with ape.reverts(feed.NoDataPresent, roundId=0):
        feed.latestRoundData()


def test_push_answer__rounds_increase_and_history_is_kept(feed, owner, chain):
    first = feed.pushAnswer(2000_00000000, sender=owner)
    second = feed.pushAnswer(-5, sender=owner)
    assert feed.latestRound() == FIRST_ROUND + 1

    latest = feed.latestRoundData()
    assert latest.roundId == FIRST_ROUND + 1 == latest.answeredInRound
    assert latest.answer == -5
    assert latest.startedAt == latest.updatedAt == second.timestamp

    old = feed.getRoundData(FIRST_ROUND)
    assert old.roundId == FIRST_ROUND == old.answeredInRound
    assert old.answer == 2000_00000000
    assert old.startedAt == old.updatedAt == first.timestamp


def test_push_answer__emits_chainlink_events(feed, owner):
    receipt = feed.pushAnswer(1234, sender=owner)
    assert receipt.events == [
        feed.NewRound(roundId=FIRST_ROUND, startedBy=owner.address, startedAt=receipt.timestamp),
        feed.AnswerUpdated(current=1234, roundId=FIRST_ROUND, updatedAt=receipt.timestamp),
    ]


@pytest.mark.parametrize("round_id", [0, 1, PHASE, FIRST_ROUND + 1, (2 << 64) + 1, 2**80 - 1])
def test_get_round_data__unknown_round__reverts(feed, owner, round_id):
    feed.pushAnswer(1, sender=owner)
    assert feed.getRoundData(FIRST_ROUND).answer == 1
    with ape.reverts(feed.NoDataPresent, roundId=round_id):
        feed.getRoundData(round_id)


def test_push_answer_at__explicit_past_time__stale_round(feed, owner, chain):
    now = chain.pending_timestamp
    feed.pushAnswerAt(1900_00000000, now - 7200, sender=owner)
    data = feed.latestRoundData()
    assert data.answer == 1900_00000000
    assert data.startedAt == data.updatedAt == now - 7200


def test_push_answer_at__before_latest_round__reverts(feed, owner, chain):
    now = chain.pending_timestamp
    feed.pushAnswerAt(1, now - 100, sender=owner)
    with ape.reverts(feed.UpdatedAtDecreasing, updatedAt=now - 101, latestUpdatedAt=now - 100):
        feed.pushAnswerAt(2, now - 101, sender=owner)
    # equal timestamps are allowed (several rounds in one second)
    feed.pushAnswerAt(3, now - 100, sender=owner)
    assert feed.latestRoundData().answer == 3


def test_push_answer_at__in_the_future__reverts(feed, owner, chain):
    future = chain.pending_timestamp + 3600
    with ape.reverts(feed.UpdatedAtInFuture):
        feed.pushAnswerAt(1, future, sender=owner)
    assert feed.latestRound() == 0


def test_push_round__started_after_updated__reverts(feed, owner, chain):
    now = chain.pending_timestamp
    with ape.reverts(feed.StartedAfterUpdated, startedAt=now - 10, updatedAt=now - 20):
        feed.pushRound(1, now - 10, now - 20, sender=owner)
    feed.pushRound(1, now - 20, now - 10, sender=owner)
    data = feed.latestRoundData()
    assert (data.startedAt, data.updatedAt) == (now - 20, now - 10)


@pytest.mark.parametrize(
    "method,args", [("pushAnswer", (1,)), ("pushAnswerAt", (1, 1)), ("pushRound", (1, 1, 1))]
)
def test_push__not_owner__reverts(feed, trader, method, args):
    with ape.reverts(feed.OwnableUnauthorizedAccount, account=trader.address):
        getattr(feed, method)(*args, sender=trader)


def test_sequencer_feed__down_then_up__started_at_is_the_status_change(create_aggregator, owner, chain):
    sequencer = create_aggregator(0, "L2 Sequencer Uptime Status Feed")
    now = chain.pending_timestamp
    sequencer.pushAnswerAt(0, now - 86400, sender=owner)  # up since yesterday
    sequencer.pushAnswerAt(1, now - 600, sender=owner)  # went down 10 minutes ago
    down = sequencer.latestRoundData()
    assert (down.answer, down.startedAt) == (1, now - 600)
    back_up = sequencer.pushAnswer(0, sender=owner)  # back up now: a grace period starts here
    up = sequencer.latestRoundData()
    assert (up.answer, up.startedAt) == (0, back_up.timestamp)
    assert sequencer.getRoundData(FIRST_ROUND).startedAt == now - 86400
