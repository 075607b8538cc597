"""What the keeper must do besides rebalancing: settle expired series and fulfil due deposit/redeem requests.

Both need an oracle round chosen by rule, never by the caller's convenience: a settlement (and a request's due
marks) takes the first price round updated at or after a time, which the contracts verify against its
predecessor; with a volatility feed, a request also takes the volatility round in effect when that price round
was updated. These functions find those rounds by walking a Chainlink feed back from its latest round, and list
the work that is due now. They read only: sending is the keeper's job.
"""

from __future__ import annotations

from dataclasses import dataclass

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
# A feed's rounds are walked back at most this far (a request or a settlement is normally served within a few
# rounds of its due time; beyond this the keeper reports it instead of scanning history).
MAX_ROUNDS_BACK = 256


@dataclass(frozen=True)
class Round:
    round_id: int
    answer: int
    updated_at: int


def _round(feed, round_id: int) -> Round | None:
    try:
        data = feed.getRoundData(round_id)
    except Exception:  # an unknown round (Chainlink reverts with "No data present")
        return None
    if data.updatedAt == 0:
        return None
    return Round(round_id, data.answer, data.updatedAt)


def _latest(feed) -> Round:
    data = feed.latestRoundData()
    return Round(data.roundId, data.answer, data.updatedAt)


def first_round_at_or_after(feed, time: int) -> Round | None:
    """The first round of `feed` updated at or after `time`, whose predecessor exists and is older (what
    `settle` and the request queue verify); None while no such round exists yet (or when it is the first round
    of an aggregator phase, which cannot be verified)."""
    current = _latest(feed)
    if current.updated_at < time:
        return None
    for _ in range(MAX_ROUNDS_BACK):
        previous = _round(feed, current.round_id - 1)
        if previous is None:
            return None
        if previous.updated_at < time:
            return current
        current = previous
    return None


def round_in_effect(feed, time: int) -> Round | None:
    """The round of `feed` in effect at `time`: the last one updated at or before it."""
    current = _latest(feed)
    for _ in range(MAX_ROUNDS_BACK):
        if current.updated_at <= time:
            return current
        previous = _round(feed, current.round_id - 1)
        if previous is None:
            return None
        current = previous
    return None


@dataclass(frozen=True)
class Settlement:
    series_id: int
    expiry: int
    round_id: int


@dataclass(frozen=True)
class DueRequest:
    controller: str
    is_deposit: bool
    amount: int
    due_at: int
    price_round: int
    vol_round: int


def due_settlements(vault, price_feed, now: int) -> list[Settlement]:
    """Live series that have expired and whose settlement round exists."""
    work = []
    for series_id in vault.liveSeries():
        series = vault.series(series_id)
        if series.settled or series.expiry > now:
            continue
        found = first_round_at_or_after(price_feed, series.expiry)
        if found is not None:
            work.append(Settlement(series_id, series.expiry, found.round_id))
    return work


def request_controllers(queue, start_block: int = 0, stop_block: int | None = None) -> set[tuple[str, bool]]:
    """(controller, is_deposit) of every request ever made on `queue` (pending or not: the caller checks)."""
    from ape import chain

    stop = chain.blocks.head.number + 1 if stop_block is None else stop_block
    found: set[tuple[str, bool]] = set()
    for log in queue.DepositRequest.range(start_block, stop):
        found.add((log.controller, True))
    for log in queue.RedeemRequest.range(start_block, stop):
        found.add((log.controller, False))
    return found


def due_requests(queue, controllers, now: int, price_feed, vol_feed=None) -> list[DueRequest]:
    """The pending requests among `controllers` that are due and whose due rounds exist (`vol_feed`: the
    vault's volatility feed, None when its volatility is set manually)."""
    work = []
    for controller, is_deposit in sorted(controllers):
        request = queue.depositRequest(controller) if is_deposit else queue.redeemRequest(controller)
        if request.amount == 0:
            continue
        due_at = queue.dueAt(controller, is_deposit)
        if due_at > now:
            continue
        price_round = first_round_at_or_after(price_feed, due_at)
        if price_round is None:
            continue
        vol_round = 0
        if vol_feed is not None:
            in_effect = round_in_effect(vol_feed, price_round.updated_at)
            if in_effect is None:
                continue
            vol_round = in_effect.round_id
        work.append(
            DueRequest(controller, is_deposit, request.amount, due_at, price_round.round_id, vol_round)
        )
    return work
