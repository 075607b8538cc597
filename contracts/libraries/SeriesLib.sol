// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IDeltaVault} from "@deltavault/interfaces/IDeltaVault.sol";
import {IGreeksEngine} from "@deltavault/interfaces/IGreeksEngine.sol";

/// @title SeriesLib
/// @notice Payoffs and greeks of one option of a series. A call with cap C is the call spread
///         C(K) - C(K + C): it pays min(max(S - K, 0), C). A put pays max(K - S, 0), at most K.
/// @dev Prices in WAD quote per base; greeks per one option (WAD): delta in base, gamma per one quote unit of
///      spot, vega in quote per 1.00 of vol. The vault holds no interest-bearing cash, so the rate is zero.
///      Outside the Black-Scholes library's strike/spot domain [0.01, 100] a leg is marked at its intrinsic
///      value (delta 1 or 0, no gamma or vega), so that no price move can make the vault's valuation revert.
library SeriesLib {
    uint256 internal constant WAD = 1e18;

    /// @notice Greeks of one long option of series `s`.
    struct Greeks {
        uint256 value;
        int256 delta;
        int256 gamma;
        int256 vega;
    }

    /// @notice The largest payoff one option can have, WAD quote.
    function maxPayoff(IDeltaVault.Series memory s) internal pure returns (uint256) {
        return s.isCall ? s.cap : s.strike;
    }

    /// @notice The payoff of one option at settlement price `price`, WAD quote.
    function payoff(IDeltaVault.Series memory s, uint256 price) internal pure returns (uint256) {
        if (s.isCall) {
            if (price <= s.strike) return 0;
            uint256 intrinsic = price - s.strike;
            return intrinsic < s.cap ? intrinsic : s.cap;
        }
        return price < s.strike ? s.strike - price : 0;
    }

    /// @notice Value and greeks of one long option at `spot` and `vol` with `timeToExpiry` seconds left.
    function greeks(
        IDeltaVault.Series memory s,
        IGreeksEngine engine,
        uint256 spot,
        uint256 vol,
        uint256 timeToExpiry
    ) internal view returns (Greeks memory g) {
        g = _leg(engine, spot, s.strike, timeToExpiry, vol, s.isCall);
        if (!s.isCall) return g;
        Greeks memory upper = _leg(engine, spot, uint256(s.strike) + s.cap, timeToExpiry, vol, true);
        // A call spread is worth between 0 and its cap; clamp fixed-point noise into that range.
        g.value = g.value > upper.value ? g.value - upper.value : 0;
        if (g.value > s.cap) g.value = s.cap;
        g.delta -= upper.delta;
        g.gamma -= upper.gamma;
        g.vega -= upper.vega;
    }

    /// @dev One Black-Scholes leg, with the intrinsic fallback outside the engine's moneyness domain.
    function _leg(
        IGreeksEngine engine,
        uint256 spot,
        uint256 strike,
        uint256 timeToExpiry,
        uint256 vol,
        bool isCall
    ) private view returns (Greeks memory g) {
        if (timeToExpiry != 0 && strike * 100 >= spot && strike <= spot * 100) {
            (uint256 price, int256 delta, uint256 gamma, uint256 vega) = engine.greeks(
                spot,
                strike,
                timeToExpiry,
                vol,
                0,
                isCall
            );
            return Greeks(price, delta, int256(gamma), int256(vega));
        }
        if (isCall) {
            if (spot > strike) (g.value, g.delta) = (spot - strike, int256(WAD));
        } else if (strike > spot) {
            (g.value, g.delta) = (strike - spot, -int256(WAD));
        }
    }
}
