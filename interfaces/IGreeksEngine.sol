// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IDeltaVault} from "./IDeltaVault.sol";

/// @title IGreeksEngine
/// @notice Black-Scholes price and greeks of European options, as a stateless contract (the BlackScholes
///         library behind an external call, which keeps the vault's bytecode under the 24 KiB limit).
/// @dev Units: spot and strike WAD quote per base; time to expiry in seconds (year = 365 days); vol WAD,
///      annualized; rate WAD, continuously compounded. Price WAD quote per base; delta WAD in [-1, 1]; gamma
///      WAD per one quote unit of spot; vega WAD quote per 1.00 of vol.
interface IGreeksEngine {
    /// @notice A position the vault has written (it is short `amount` options of the series).
    /// @param strike Strike, WAD quote per base.
    /// @param cap Zero for a put; for a call, the cap of its payoff: the call spread C(strike) - C(strike + cap).
    /// @param expiry Expiry, unix seconds (at or after expiry the position is valued at its intrinsic value).
    /// @param amount Options written, WAD of base.
    struct Position {
        uint256 strike;
        uint256 cap;
        uint256 expiry;
        uint256 amount;
    }

    /// @notice An option trade with a vault, as `quoteTrade` prices it.
    /// @param option The series (its `amount` is ignored).
    /// @param amount Options traded, WAD of base.
    /// @param isBuy True when the trader buys from the vault, false when it sells back.
    /// @param spot Oracle spot, WAD. @param vol Implied volatility, WAD.
    /// @param gammaBefore Portfolio gamma before the trade. @param vegaBefore Portfolio vega before the trade.
    /// @param maxPayoff Largest payoff of one option, WAD quote.
    /// @param quoteScale (WAD amount x WAD price) to quote units: 10**(36 - quote decimals).
    /// @param policy The vault's policy (marks, spreads, minimum premium, vega limit).
    struct TradeQuery {
        Position option;
        uint256 amount;
        bool isBuy;
        uint256 spot;
        uint256 vol;
        int256 gammaBefore;
        int256 vegaBefore;
        uint256 maxPayoff;
        uint256 quoteScale;
        IDeltaVault.Policy policy;
    }

    /// @notice The premium of an option trade (quote units: a buy rounded up, a sale back rounded down) and the
    ///         portfolio's gamma and vega after it. See `IDeltaVault.quoteBuy` for the formula.
    function quoteTrade(
        TradeQuery calldata query
    ) external view returns (uint256 premium, int256 gammaAfter, int256 vegaAfter);

    /// @notice Reverts with `IDeltaVault.ParameterOutOfBounds` unless every field of a vault policy is within
    ///         its hard bound (fees 5-200 bps, spreads <= 2,000 bps, minimum premium 1-1,000 bps, price mark
    ///         1-1,000 bps, volatility mark 0.001-0.5, jump band 2,000-5,000 bps, trading cut-off 60 s-1 day,
    ///         request delay 60 s-1 day, non-zero gamma and vega limits).
    function checkPolicy(IDeltaVault.Policy calldata policy) external pure;

    /// @notice Price, delta, gamma and vega of one long option.
    function greeks(
        uint256 spot,
        uint256 strike,
        uint256 timeToExpiry,
        uint256 vol,
        int256 rate,
        bool isCall
    ) external pure returns (uint256 price, int256 delta, uint256 gamma, uint256 vega);

    /// @notice The value and greeks of a book of short positions at `spot` and `vol` (rate zero), now.
    /// @dev Each leg is valued by Black-Scholes inside the library's moneyness domain and at its intrinsic value
    ///      outside it (delta +-1 or 0, no gamma or vega), so no price move makes a valuation revert.
    /// @param positions The positions, at most a few dozen.
    /// @param full False for the hedging pass: delta and gamma only, `liabilityWad` and `vega` returned as 0.
    /// @return liabilityWad Sum of amount x value, each term rounded up, WAD quote.
    /// @return delta Sum of -amount x delta, WAD base (negative: the vault is short).
    /// @return gamma Sum of -amount x gamma, WAD per one quote unit of spot.
    /// @return vega Sum of -amount x vega, WAD quote per 1.00 of vol.
    function book(
        Position[] calldata positions,
        uint256 spot,
        uint256 vol,
        bool full
    ) external view returns (uint256 liabilityWad, int256 delta, int256 gamma, int256 vega);
}
