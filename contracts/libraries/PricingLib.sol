// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SignedMath} from "@openzeppelin/contracts/utils/math/SignedMath.sol";

import {IDeltaVault} from "@deltavault/interfaces/IDeltaVault.sol";
import {IGreeksEngine} from "@deltavault/interfaces/IGreeksEngine.sol";

import {BookLib} from "./BookLib.sol";

/// @title PricingLib
/// @notice The premium of an option trade with the vault (see `IDeltaVault.quoteBuy`): Black-Scholes value,
///         marked against one routine oracle update on the side against the trader, with the vault's spread,
///         the minimum premium and the maximum payoff. Values WAD quote per option unless a name says otherwise.
library PricingLib {
    uint256 internal constant WAD = 1e18;
    uint256 internal constant BPS = 10_000;

    /// @notice Bounds of the policy: deposit and withdrawal fees, spreads, minimum premium (bps).
    uint256 internal constant MIN_FEE_BPS = 5;
    uint256 internal constant MAX_FEE_BPS = 200;
    uint256 internal constant MAX_SPREAD_BPS = 2_000;
    uint256 internal constant MAX_MIN_PREMIUM_BPS = 1_000;
    /// @notice Bounds of the marks of one routine update: the price feed's deviation threshold (bps) and the
    ///         volatility step (WAD).
    uint256 internal constant MIN_PRICE_MARK_BPS = 1;
    uint256 internal constant MAX_PRICE_MARK_BPS = 1_000;
    uint256 internal constant MIN_VOL_MARK_BAND = 0.001e18;
    uint256 internal constant MAX_VOL_MARK_BAND = 0.5e18;
    /// @notice Bounds of the jump band of the synchronous path: the largest single price update it covers (bps;
    ///         at least a 20 % crash or pump in one round).
    uint256 internal constant MIN_JUMP_MARK_BPS = 2_000;
    uint256 internal constant MAX_JUMP_MARK_BPS = 5_000;
    /// @notice Bounds of the trading cut-off before expiry and of the delay of a request (seconds).
    uint256 internal constant MIN_TRADING_CUTOFF = 60;
    uint256 internal constant MAX_TRADING_CUTOFF = 1 days;
    uint256 internal constant MIN_REQUEST_DELAY = 60;
    uint256 internal constant MAX_REQUEST_DELAY = 1 days;

    /// @notice The premium (quote units: buys rounded up, sales rounded down) and the portfolio gamma and vega
    ///         after the trade (see `IGreeksEngine.quoteTrade`).
    function quoteTrade(
        IGreeksEngine.TradeQuery calldata q
    ) internal view returns (uint256 premium, int256 gammaAfter, int256 vegaAfter) {
        (uint256 value, uint256 mark, int256 gamma, int256 vega) = markedOption(q);
        // The vault is short what it writes: a buy adds -amount options, a sale back +amount.
        int256 position = q.isBuy ? -int256(q.amount) : int256(q.amount);
        gammaAfter = q.gammaBefore + (position * gamma) / int256(WAD);
        vegaAfter = q.vegaBefore + (position * vega) / int256(WAD);
        premium = _premium(q, value, mark, spread(q.policy, q.vegaBefore, vegaAfter));
    }

    /// @notice One long option of the query's series: its value, its mark (what the value can move in one
    ///         routine update of `priceMarkBps` and `volMarkBand`, taken on the side against the trader so that
    ///         a trade made before a known update and reversed after it cannot gain), its gamma and vega.
    function markedOption(
        IGreeksEngine.TradeQuery calldata q
    ) internal view returns (uint256 value, uint256 mark, int256 gamma, int256 vega) {
        int256 delta;
        (value, delta, gamma, vega) = BookLib.option(q.option, q.spot, q.vol);
        uint256 move = Math.mulDiv(q.spot, q.policy.priceMarkBps, BPS, Math.Rounding.Ceil);
        mark = updateRisk(delta, gamma, vega, move, q.policy.volMarkBand);
    }

    function _premium(
        IGreeksEngine.TradeQuery calldata q,
        uint256 value,
        uint256 mark,
        uint256 spreadBps
    ) private pure returns (uint256) {
        if (q.isBuy) {
            // Rounded up, never below the minimum premium, never above the maximum payoff.
            uint256 perOption = Math.mulDiv(value + mark, BPS + spreadBps, BPS, Math.Rounding.Ceil);
            uint256 floor = Math.mulDiv(q.maxPayoff, q.policy.minPremiumBps, BPS, Math.Rounding.Ceil);
            perOption = Math.min(Math.max(perOption, floor), q.maxPayoff);
            return Math.mulDiv(q.amount, perOption, q.quoteScale, Math.Rounding.Ceil);
        }
        // Rounded down, zero when the mark exceeds the value.
        uint256 perOption_ = value > mark ? Math.mulDiv(value - mark, BPS - spreadBps, BPS) : 0;
        return Math.mulDiv(q.amount, perOption_, q.quoteScale);
    }

    /// @notice Reverts with `IDeltaVault.ParameterOutOfBounds` unless every field of `p` is within its bound.
    function checkPolicy(IDeltaVault.Policy calldata p) internal pure {
        _bound("entryFeeBps", p.entryFeeBps, MIN_FEE_BPS, MAX_FEE_BPS);
        _bound("exitFeeBps", p.exitFeeBps, MIN_FEE_BPS, MAX_FEE_BPS);
        _bound("baseSpreadBps", p.baseSpreadBps, 0, MAX_SPREAD_BPS);
        _bound("exposureSpreadBps", p.exposureSpreadBps, 0, MAX_SPREAD_BPS);
        _bound("minPremiumBps", p.minPremiumBps, 1, MAX_MIN_PREMIUM_BPS);
        _bound("priceMarkBps", p.priceMarkBps, MIN_PRICE_MARK_BPS, MAX_PRICE_MARK_BPS);
        _bound("volMarkBand", p.volMarkBand, MIN_VOL_MARK_BAND, MAX_VOL_MARK_BAND);
        _bound("gammaLimit", p.gammaLimit, 1, type(uint128).max);
        _bound("vegaLimit", p.vegaLimit, 1, type(uint128).max);
        _bound("jumpMarkBps", p.jumpMarkBps, MIN_JUMP_MARK_BPS, MAX_JUMP_MARK_BPS);
        _bound("tradingCutoff", p.tradingCutoff, MIN_TRADING_CUTOFF, MAX_TRADING_CUTOFF);
        _bound("requestDelay", p.requestDelay, MIN_REQUEST_DELAY, MAX_REQUEST_DELAY);
    }

    /// @notice Base spread for every trade; trades that add vega exposure pay an extra spread proportional to
    ///         the average use of the vega limit over the trade. A trade that reduces exposure pays the base.
    function spread(
        IDeltaVault.Policy calldata p,
        int256 vegaBefore,
        int256 vegaAfter
    ) internal pure returns (uint256) {
        uint256 before = SignedMath.abs(vegaBefore);
        uint256 after_ = SignedMath.abs(vegaAfter);
        if (after_ <= before) return p.baseSpreadBps;
        uint256 limit = p.vegaLimit;
        uint256 useBefore = Math.min(Math.mulDiv(before, WAD, limit), WAD);
        uint256 useAfter = Math.min(Math.mulDiv(after_, WAD, limit, Math.Rounding.Ceil), WAD);
        return
            p.baseSpreadBps +
            Math.mulDiv(p.exposureSpreadBps, useBefore + useAfter, 2 * WAD, Math.Rounding.Ceil);
    }

    /// @notice What a value moves by in one update of `move` (price, WAD) and `volMove` (WAD), from its delta,
    ///         gamma and vega: |delta| x move + |gamma| x move^2 / 2 + |vega| x volMove, WAD quote, rounded up.
    function updateRisk(
        int256 delta,
        int256 gamma,
        int256 vega,
        uint256 move,
        uint256 volMove
    ) internal pure returns (uint256) {
        uint256 gammaMove = Math.mulDiv(SignedMath.abs(gamma), move, WAD, Math.Rounding.Ceil);
        return
            Math.mulDiv(SignedMath.abs(delta), move, WAD, Math.Rounding.Ceil) +
            Math.mulDiv(gammaMove, move, 2 * WAD, Math.Rounding.Ceil) +
            Math.mulDiv(SignedMath.abs(vega), volMove, WAD, Math.Rounding.Ceil);
    }

    function _bound(bytes32 name, uint256 value, uint256 min, uint256 max) private pure {
        if (value < min || value > max) revert IDeltaVault.ParameterOutOfBounds(name, value, min, max);
    }
}
