// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AggregatorV3Interface} from "@deltavault/interfaces/AggregatorV3Interface.sol";
import {IDeltaVault} from "@deltavault/interfaces/IDeltaVault.sol";
import {IRequestQueue} from "@deltavault/interfaces/IRequestQueue.sol";

/// @title OracleLib
/// @notice Reads Chainlink AggregatorV3 feeds defensively: non-positive answers and answers older than the
///         feed's own maximum age are rejected, decimals are normalised to WAD, an optional L2 sequencer-uptime
///         feed (with a grace period after restart) gates every read, and settlement rounds are verified.
library OracleLib {
    uint256 internal constant WAD = 1e18;

    // ---------------------------------------------------------------- reads

    /// @notice The latest answer of `feed` as WAD, checked for sign and age.
    function read(AggregatorV3Interface feed, uint256 maxAge) internal view returns (uint256 wad) {
        (, int256 answer, , uint256 updatedAt, ) = feed.latestRoundData();
        if (answer <= 0) revert IDeltaVault.OracleAnswerNotPositive(address(feed), answer);
        // A zero `updatedAt` (an incomplete round) is stale by this test as well.
        if (updatedAt + maxAge < block.timestamp) {
            revert IDeltaVault.OracleStale(address(feed), updatedAt, maxAge);
        }
        wad = toWad(uint256(answer), feed.decimals());
    }

    /// @notice Reverts unless the L2 sequencer is up and has been up for at least `gracePeriod` seconds.
    /// @dev No-op when `sequencerFeed` is address(0) (L1 deployments).
    function checkSequencer(AggregatorV3Interface sequencerFeed, uint256 gracePeriod) internal view {
        if (address(sequencerFeed) == address(0)) return;
        (, int256 answer, uint256 startedAt, , ) = sequencerFeed.latestRoundData();
        if (answer != 0) revert IDeltaVault.SequencerDown(address(sequencerFeed));
        if (startedAt == 0 || block.timestamp - startedAt < gracePeriod) {
            revert IDeltaVault.SequencerGracePeriod(address(sequencerFeed), startedAt, gracePeriod);
        }
    }

    /// @notice The price of round `roundId`, provided it is the first round updated at or after `expiry`.
    function settlementPrice(
        AggregatorV3Interface feed,
        uint80 roundId,
        uint256 expiry
    ) internal view returns (uint256 wad) {
        (wad, ) = firstRoundAfter(feed, roundId, expiry);
    }

    /// @notice The answer (WAD) and update time of round `roundId`, provided it is the first round updated at or
    ///         after `time`.
    /// @dev Verifies the round (updated at or after `time`, positive answer) and its predecessor `roundId - 1`
    ///      (updated before `time`), so that no caller can choose a later, convenient price. A round whose
    ///      predecessor does not exist (the first round of an aggregator phase) cannot be verified and reverts.
    function firstRoundAfter(
        AggregatorV3Interface feed,
        uint80 roundId,
        uint256 time
    ) internal view returns (uint256 wad, uint256 updatedAt) {
        int256 answer;
        (answer, updatedAt) = _round(feed, roundId);
        uint256 previousUpdatedAt;
        if (roundId > 0) (, previousUpdatedAt) = _round(feed, roundId - 1);
        if (updatedAt < time || previousUpdatedAt >= time || previousUpdatedAt == 0) {
            revert IDeltaVault.InvalidSettlementRound(roundId, updatedAt, previousUpdatedAt, time);
        }
        if (answer <= 0) revert IDeltaVault.OracleAnswerNotPositive(address(feed), answer);
        wad = toWad(uint256(answer), feed.decimals());
    }

    /// @notice The answer (WAD) of round `roundId`, provided it is the round in effect at `time`: updated at or
    ///         before `time`, no older than `maxAge` then, and followed by no round updated at or before `time`.
    function roundInEffect(
        AggregatorV3Interface feed,
        uint80 roundId,
        uint256 time,
        uint256 maxAge
    ) internal view returns (uint256) {
        (int256 answer, uint256 updatedAt) = _round(feed, roundId);
        (, uint256 nextUpdatedAt) = _round(feed, roundId + 1);
        if (updatedAt == 0 || updatedAt > time || (nextUpdatedAt != 0 && nextUpdatedAt <= time)) {
            revert IRequestQueue.InvalidVolatilityRound(roundId, updatedAt, nextUpdatedAt, time);
        }
        if (updatedAt + maxAge < time) revert IDeltaVault.OracleStale(address(feed), updatedAt, maxAge);
        if (answer <= 0) revert IDeltaVault.OracleAnswerNotPositive(address(feed), answer);
        return toWad(uint256(answer), feed.decimals());
    }

    /// @notice `answer` with `decimals` decimals, as WAD.
    function toWad(uint256 answer, uint8 decimals) internal pure returns (uint256) {
        if (decimals == 18) return answer;
        if (decimals < 18) return answer * 10 ** (18 - decimals);
        return answer / 10 ** (decimals - 18);
    }

    // ---------------------------------------------------------------- internal

    /// @dev (answer, updatedAt) of a round; (0, 0) when the feed reverts for an unknown round.
    function _round(AggregatorV3Interface feed, uint80 roundId) private view returns (int256, uint256) {
        try feed.getRoundData(roundId) returns (uint80, int256 answer, uint256, uint256 updatedAt, uint80) {
            return (answer, updatedAt);
        } catch {
            return (0, 0);
        }
    }
}
