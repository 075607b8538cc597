"""The keeper's reading of the work besides rebalancing (`deltavault.requests`): the rounds it picks are the ones
the contracts accept, and it lists exactly the settlements and requests that are due."""

import pytest

from deltavault import requests
from tests.utils.market import DAY, USDC, WAD


@pytest.fixture
def queue(market):
    from ape import project

    return project.RequestQueue.at(market.vault.requestQueue())


def test_first_round_at_or_after__none_before_it_exists_then_the_verified_round(market):
    m = market
    t = m.chain.pending_timestamp + 600
    assert requests.first_round_at_or_after(m.feed, t) is None
    m.chain.pending_timestamp = t - 100
    m.push_price(2010)
    m.chain.pending_timestamp = t + 5
    m.push_price(2020)
    first = m.feed.latestRoundData().roundId
    m.chain.pending_timestamp += 60
    m.push_price(2030)
    found = requests.first_round_at_or_after(m.feed, t)
    assert found.round_id == first and found.answer == 2020 * 10**8
    assert requests.round_in_effect(m.feed, t).answer == 2010 * 10**8


def test_due_settlements_and_requests__listed_then_accepted_by_the_contracts(
    market, queue, manager, depositor
):
    m = market
    expiry = m.chain.pending_timestamp + 2 * DAY
    m.vault.listSeries(2000 * WAD, 500 * WAD, expiry, True, sender=manager)
    sid = m.vault.seriesCount()
    m.write(sid, 10 * WAD)
    m.quote.mint(depositor, 100 * USDC, sender=depositor)
    m.quote.approve(queue, 2**256 - 1, sender=depositor)
    queue.requestDeposit(100 * USDC, depositor, depositor, sender=depositor)
    controllers = requests.request_controllers(queue)
    assert controllers == {(depositor.address, True)}
    now = m.chain.pending_timestamp
    assert requests.due_requests(queue, controllers, now, m.feed) == []  # not due yet
    m.chain.pending_timestamp = expiry + 30
    assert requests.due_settlements(m.vault, m.feed, m.chain.pending_timestamp) == []  # no round yet
    m.push_price(1990)
    now = m.chain.pending_timestamp
    [settlement] = requests.due_settlements(m.vault, m.feed, now)
    [due] = requests.due_requests(queue, controllers, now, m.feed)
    assert settlement.series_id == sid and due.controller == depositor.address and due.amount == 100 * USDC
    m.vault.settle(settlement.series_id, settlement.round_id, sender=m.owner)
    before = m.vault.balanceOf(depositor)
    shares = queue.fulfilDeposit(due.controller, due.price_round, due.vol_round, sender=m.owner).return_value
    assert m.vault.balanceOf(depositor) - before == shares > 0
    assert requests.due_requests(queue, controllers, now, m.feed) == []
