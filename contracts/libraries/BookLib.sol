// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {IGreeksEngine} from "@deltavault/interfaces/IGreeksEngine.sol";

import {BlackScholes} from "./BlackScholes.sol";

/// @title BookLib
/// @notice Value and greeks of a book of written options (see `IGreeksEngine.book` for units and signs).
/// @dev A call with cap C is the call spread C(K) - C(K + C); a put is one leg. Outside the Black-Scholes
///      library's strike/spot domain [0.01, 100] a leg is valued at its intrinsic value (delta 1 or 0, no gamma
///      or vega). The rate is zero: the vault holds no interest-bearing cash.
library BookLib {
    uint256 internal constant WAD = 1e18;

    /// @dev Greeks of one long option.
    struct Leg {
        uint256 value;
        int256 delta;
        int256 gamma;
        int256 vega;
    }

    function book(
        IGreeksEngine.Position[] calldata positions,
        uint256 spot,
        uint256 vol,
        bool full
    ) internal view returns (uint256 liabilityWad, int256 delta, int256 gamma, int256 vega) {
        uint256 n = positions.length;
        for (uint256 i; i < n; ++i) {
            IGreeksEngine.Position calldata p = positions[i];
            Leg memory g = _position(p, spot, vol);
            int256 amount = int256(p.amount);
            delta -= (amount * g.delta) / int256(WAD);
            gamma -= (amount * g.gamma) / int256(WAD);
            if (full) {
                liabilityWad += Math.mulDiv(p.amount, g.value, WAD, Math.Rounding.Ceil);
                vega -= (amount * g.vega) / int256(WAD);
            }
        }
    }

    /// @dev Value and greeks of one long option of the position's series.
    function _position(
        IGreeksEngine.Position calldata p,
        uint256 spot,
        uint256 vol
    ) private view returns (Leg memory g) {
        uint256 tau = p.expiry > block.timestamp ? p.expiry - block.timestamp : 0;
        bool isCall = p.cap != 0;
        g = _leg(spot, p.strike, tau, vol, isCall);
        if (!isCall) return g;
        Leg memory upper = _leg(spot, p.strike + p.cap, tau, vol, true);
        // A call spread is worth between 0 and its cap; clamp fixed-point noise into that range.
        g.value = g.value > upper.value ? g.value - upper.value : 0;
        if (g.value > p.cap) g.value = p.cap;
        g.delta -= upper.delta;
        g.gamma -= upper.gamma;
        g.vega -= upper.vega;
    }

    /// @dev One Black-Scholes leg, with the intrinsic fallback outside the engine's moneyness domain.
    function _leg(
        uint256 spot,
        uint256 strike,
        uint256 tau,
        uint256 vol,
        bool isCall
    ) private pure returns (Leg memory g) {
        if (tau != 0 && strike * 100 >= spot && strike <= spot * 100) {
            (uint256 price, int256 d, uint256 gm, uint256 vg) = BlackScholes.greeks(
                spot,
                strike,
                tau,
                vol,
                0,
                isCall
            );
            return Leg(price, d, int256(gm), int256(vg));
        }
        if (isCall) {
            if (spot > strike) (g.value, g.delta) = (spot - strike, int256(WAD));
        } else if (strike > spot) {
            (g.value, g.delta) = (strike - spot, -int256(WAD));
        }
    }
}
