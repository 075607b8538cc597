// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IGreeksEngine
/// @notice Black-Scholes price and greeks of a European option, as a stateless contract (the BlackScholes
///         library behind an external call, which keeps the vault's bytecode under the 24 KiB limit).
/// @dev Units: spot and strike WAD quote per base; time to expiry in seconds (year = 365 days); vol WAD,
///      annualized; rate WAD, continuously compounded. Price WAD quote per base; delta WAD in [-1, 1]; gamma
///      WAD per one quote unit of spot; vega WAD quote per 1.00 of vol.
interface IGreeksEngine {
    function greeks(
        uint256 spot,
        uint256 strike,
        uint256 timeToExpiry,
        uint256 vol,
        int256 rate,
        bool isCall
    ) external pure returns (uint256 price, int256 delta, uint256 gamma, uint256 vega);
}
