// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {IOracle} from "@morpho-org/morpho-blue/src/interfaces/IOracle.sol";
import {AggregatorV3Interface} from "@deltavault/interfaces/AggregatorV3Interface.sol";

/// @title ChainlinkMorphoOracle
/// @notice Morpho Blue's `IOracle` for a market lending the vault's base asset against its quote asset as
///         collateral, over the vault's Chainlink feed of the base price in quote (e.g. ETH / USD): `price()` is
///         the price of one unit of quote in units of base, scaled by 1e36 and adjusted for both tokens' decimals
///         and the feed's, as Morpho expects. The feed's answer is checked as the vault checks it: positive, not
///         older than `maxAge`, and, on an L2, only while the sequencer is up and past its grace period.
/// @dev A feed answer `a` with `d` decimals is the base price in quote, `a / 10**d`. One raw unit of quote is
///      `10**d / a` whole base, i.e. `10**(baseDecimals + d) / (a * 10**quoteDecimals)` raw units of base, so
///      `price() = 10**(36 + baseDecimals + d - quoteDecimals) / a`, rounded down: the collateral is never
///      valued above the feed. Unlike Morpho's own Chainlink oracles, this one reverts on a stale feed: while the
///      feed is stale, borrowing, withdrawing collateral and liquidations on the market wait for a fresh answer.
contract ChainlinkMorphoOracle is IOracle {
    // ------------------------------------------------------------------------------------------------------
    // Errors
    // ------------------------------------------------------------------------------------------------------

    /// @notice The feed's latest answer `answer` is zero or negative.
    error OracleAnswerNotPositive(address feed, int256 answer);
    /// @notice The feed's latest answer was updated at `updatedAt`, more than `maxAge` seconds ago.
    error OracleStale(address feed, uint256 updatedAt, uint256 maxAge);
    /// @notice The L2 sequencer-uptime feed reports the sequencer down.
    error SequencerDown(address feed);
    /// @notice The L2 sequencer came back up at `startedAt`, less than `gracePeriod` seconds ago.
    error SequencerGracePeriod(address feed, uint256 upSince, uint256 gracePeriod);
    /// @notice `maxAge` is zero: every answer would be stale.
    error ZeroMaxAge();
    /// @notice The scale `10**(36 + baseDecimals + feedDecimals - quoteDecimals)` cannot be represented.
    error DecimalsOutOfRange(uint8 baseDecimals, uint8 quoteDecimals, uint8 feedDecimals);

    // ------------------------------------------------------------------------------------------------------
    // Storage (immutable)
    // ------------------------------------------------------------------------------------------------------

    /// @notice The Chainlink feed of the base price in quote.
    AggregatorV3Interface public immutable feed;
    /// @notice Largest accepted age of the feed's answer, in seconds (its heartbeat plus a margin).
    uint256 public immutable maxAge;
    /// @notice The L2 sequencer-uptime feed, or address(0) on L1.
    AggregatorV3Interface public immutable sequencerFeed;
    /// @notice Seconds after the sequencer comes back up before prices are served again.
    uint256 public immutable sequencerGracePeriod;
    /// @notice `10**(36 + baseDecimals + feedDecimals - quoteDecimals)`: `price()` is this over the answer.
    uint256 public immutable scale;

    // ------------------------------------------------------------------------------------------------------
    // Constructor
    // ------------------------------------------------------------------------------------------------------

    /// @param feed_ Chainlink feed answering the base price in quote.
    /// @param maxAge_ Seconds; the feed's heartbeat plus a margin.
    /// @param base The market's loan token (the vault's base asset).
    /// @param quote The market's collateral token (the vault's quote asset).
    /// @param sequencerFeed_ L2 sequencer-uptime feed, or address(0).
    /// @param sequencerGracePeriod_ Seconds after a sequencer restart during which `price()` reverts.
    constructor(
        AggregatorV3Interface feed_,
        uint256 maxAge_,
        IERC20Metadata base,
        IERC20Metadata quote,
        AggregatorV3Interface sequencerFeed_,
        uint256 sequencerGracePeriod_
    ) {
        if (maxAge_ == 0) revert ZeroMaxAge();
        uint8 baseDecimals = base.decimals();
        uint8 quoteDecimals = quote.decimals();
        uint8 feedDecimals = feed_.decimals();
        uint256 exponent = 36 + uint256(baseDecimals) + feedDecimals;
        // 10**77 is the largest power of ten below 2**256.
        if (exponent < quoteDecimals || exponent - quoteDecimals > 77) {
            revert DecimalsOutOfRange(baseDecimals, quoteDecimals, feedDecimals);
        }
        feed = feed_;
        maxAge = maxAge_;
        sequencerFeed = sequencerFeed_;
        sequencerGracePeriod = sequencerGracePeriod_;
        scale = 10 ** (exponent - quoteDecimals);
    }

    // ------------------------------------------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------------------------------------------

    /// @inheritdoc IOracle
    function price() external view returns (uint256) {
        if (address(sequencerFeed) != address(0)) {
            (, int256 status, uint256 startedAt, , ) = sequencerFeed.latestRoundData();
            if (status != 0) revert SequencerDown(address(sequencerFeed));
            if (startedAt == 0 || block.timestamp - startedAt < sequencerGracePeriod) {
                revert SequencerGracePeriod(address(sequencerFeed), startedAt, sequencerGracePeriod);
            }
        }
        (, int256 answer, , uint256 updatedAt, ) = feed.latestRoundData();
        if (answer <= 0) revert OracleAnswerNotPositive(address(feed), answer);
        // A zero `updatedAt` (an incomplete round) is stale by this test as well.
        if (updatedAt + maxAge < block.timestamp) revert OracleStale(address(feed), updatedAt, maxAge);
        // Rounded down: the collateral (quote) is never valued above the feed.
        return scale / uint256(answer);
    }
}
