// SPDX-License-Identifier: MIT
pragma solidity ^0.8.0;

/// @title AggregatorV3Interface
/// @notice Chainlink's price-feed (and L2 sequencer-uptime feed) read interface, as published in Chainlink's
///         npm package (src/v0.8/shared/interfaces/AggregatorV3Interface.sol). Declared here because that
///         package does not install offline.
interface AggregatorV3Interface {
    /// @notice Number of decimals of `answer` (8 for USD feeds, 18 for ETH feeds, 0 for sequencer feeds).
    function decimals() external view returns (uint8);

    /// @notice Human description of the feed, e.g. "ETH / USD".
    function description() external view returns (string memory);

    /// @notice Version of the aggregator implementation.
    function version() external view returns (uint256);

    /// @notice Data of round `_roundId`; reverts for a round that does not exist.
    /// @return roundId The round id (Chainlink proxies encode `phaseId << 64 | aggregatorRoundId`).
    /// @return answer The answer, scaled by `decimals()`. For a sequencer feed: 0 = up, 1 = down.
    /// @return startedAt When the round started (seconds). For a sequencer feed: when the status changed.
    /// @return updatedAt When the answer was last updated (seconds).
    /// @return answeredInRound Deprecated; equal to `roundId` on current aggregators.
    function getRoundData(
        uint80 _roundId
    )
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);

    /// @notice Data of the latest round; same fields as `getRoundData`.
    function latestRoundData()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);
}
