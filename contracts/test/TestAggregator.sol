// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {AggregatorV3Interface} from "@deltavault/interfaces/AggregatorV3Interface.sol";

/// @title TestAggregator
/// @notice A Chainlink-compatible feed for local chains, with a real round history: the only test double in
///         the project (Chainlink aggregators exist only on live chains). It serves as a price feed and as an
///         L2 sequencer-uptime feed (answer 0 = up, 1 = down, `startedAt` = time of the status change).
/// @dev Round ids use Chainlink's proxy format `phaseId << 64 | aggregatorRoundId` with phase 1, so the first
///      round is `2**64 + 1` and ids increase by one. `getRoundData` reverts with `NoDataPresent` for any id that
///      was not pushed (like Chainlink's aggregators), and so does `latestRoundData` before the first push.
///      Timestamps are seconds; `updatedAt` never decreases from one round to the next and is never in the
///      future. `answeredInRound` equals `roundId`.
contract TestAggregator is AggregatorV3Interface, Ownable {
    // ------------------------------------------------------------------------------------------------------
    // Errors
    // ------------------------------------------------------------------------------------------------------

    /// @notice `roundId` was never pushed (or is of another phase).
    error NoDataPresent(uint80 roundId);
    /// @notice A round's `updatedAt` is before the latest round's.
    error UpdatedAtDecreasing(uint256 updatedAt, uint256 latestUpdatedAt);
    /// @notice A round's `updatedAt` is after the current block's timestamp.
    error UpdatedAtInFuture(uint256 updatedAt, uint256 blockTimestamp);
    /// @notice A round's `startedAt` is after its `updatedAt`.
    error StartedAfterUpdated(uint256 startedAt, uint256 updatedAt);

    // ------------------------------------------------------------------------------------------------------
    // Events (Chainlink's AggregatorInterface events)
    // ------------------------------------------------------------------------------------------------------

    event AnswerUpdated(int256 indexed current, uint256 indexed roundId, uint256 updatedAt);
    event NewRound(uint256 indexed roundId, address indexed startedBy, uint256 startedAt);

    // ------------------------------------------------------------------------------------------------------
    // Constants
    // ------------------------------------------------------------------------------------------------------

    /// @notice Phase of every round id this aggregator issues.
    uint16 public constant PHASE_ID = 1;
    /// @inheritdoc AggregatorV3Interface
    uint256 public constant version = 4;

    // ------------------------------------------------------------------------------------------------------
    // Storage
    // ------------------------------------------------------------------------------------------------------

    struct Round {
        int256 answer;
        uint64 startedAt;
        uint64 updatedAt;
    }

    /// @inheritdoc AggregatorV3Interface
    uint8 public immutable decimals;
    /// @inheritdoc AggregatorV3Interface
    string public description;
    /// @dev rounds[i] is aggregator round i + 1.
    Round[] private _rounds;

    // ------------------------------------------------------------------------------------------------------
    // Constructor
    // ------------------------------------------------------------------------------------------------------

    /// @param decimals_ Decimals of the answers (8 for USD price feeds, 0 for a sequencer feed).
    /// @param description_ E.g. "ETH / USD" or "L2 Sequencer Uptime Status Feed".
    constructor(uint8 decimals_, string memory description_) Ownable(msg.sender) {
        decimals = decimals_;
        description = description_;
    }

    // ------------------------------------------------------------------------------------------------------
    // External
    // ------------------------------------------------------------------------------------------------------

    /// @notice Starts and answers a new round now (`startedAt = updatedAt = block.timestamp`).
    /// @return roundId The new round's id.
    function pushAnswer(int256 answer) external onlyOwner returns (uint80 roundId) {
        return _push(answer, block.timestamp, block.timestamp);
    }

    /// @notice Starts and answers a new round at an explicit past time (`startedAt = updatedAt`), e.g. to make a
    ///         feed stale or to date a sequencer status change.
    /// @param updatedAt Seconds; not before the latest round's `updatedAt`, not after `block.timestamp`.
    function pushAnswerAt(int256 answer, uint256 updatedAt) external onlyOwner returns (uint80 roundId) {
        return _push(answer, updatedAt, updatedAt);
    }

    /// @notice Starts and answers a new round with every timestamp explicit (`startedAt <= updatedAt`).
    function pushRound(
        int256 answer,
        uint256 startedAt,
        uint256 updatedAt
    ) external onlyOwner returns (uint80) {
        return _push(answer, startedAt, updatedAt);
    }

    // ------------------------------------------------------------------------------------------------------
    // Internal
    // ------------------------------------------------------------------------------------------------------

    function _push(int256 answer, uint256 startedAt, uint256 updatedAt) internal returns (uint80 roundId) {
        if (startedAt > updatedAt) revert StartedAfterUpdated(startedAt, updatedAt);
        if (updatedAt > block.timestamp) revert UpdatedAtInFuture(updatedAt, block.timestamp);
        uint256 count = _rounds.length;
        if (count > 0) {
            uint256 latestUpdatedAt = _rounds[count - 1].updatedAt;
            if (updatedAt < latestUpdatedAt) revert UpdatedAtDecreasing(updatedAt, latestUpdatedAt);
        }
        // Timestamps fit in 64 bits for the next 584 billion years; updatedAt <= block.timestamp bounds both.
        _rounds.push(Round({answer: answer, startedAt: uint64(startedAt), updatedAt: uint64(updatedAt)}));
        roundId = _roundId(count + 1);
        emit NewRound(roundId, msg.sender, startedAt);
        emit AnswerUpdated(answer, roundId, updatedAt);
    }

    function _roundId(uint256 aggregatorRoundId) internal pure returns (uint80) {
        return uint80((uint256(PHASE_ID) << 64) | aggregatorRoundId);
    }

    // ------------------------------------------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------------------------------------------

    /// @inheritdoc AggregatorV3Interface
    function getRoundData(
        uint80 roundId_
    )
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        uint256 aggregatorRoundId = uint64(roundId_);
        if (roundId_ >> 64 != PHASE_ID || aggregatorRoundId == 0 || aggregatorRoundId > _rounds.length) {
            revert NoDataPresent(roundId_);
        }
        return _roundData(aggregatorRoundId);
    }

    /// @inheritdoc AggregatorV3Interface
    function latestRoundData()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        uint256 count = _rounds.length;
        if (count == 0) revert NoDataPresent(0);
        return _roundData(count);
    }

    /// @notice Id of the latest round, 0 before the first push.
    function latestRound() external view returns (uint256) {
        uint256 count = _rounds.length;
        return count == 0 ? 0 : _roundId(count);
    }

    function _roundData(
        uint256 aggregatorRoundId
    ) internal view returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80) {
        Round memory round = _rounds[aggregatorRoundId - 1];
        roundId = _roundId(aggregatorRoundId);
        return (roundId, round.answer, round.startedAt, round.updatedAt, roundId);
    }
}
