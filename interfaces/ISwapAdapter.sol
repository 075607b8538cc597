// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title ISwapAdapter
/// @notice A venue the vault hedges on. The caller sends `amountIn` of `tokenIn` to the adapter, then calls
///         `swapExactIn`; the output goes to the caller. The adapter keeps no funds between transactions.
/// @dev Prices in WAD of quote per one whole base unit; cost fractions in WAD (0.003 = 3e15).
interface ISwapAdapter {
    /// @notice The swap returned less than the caller's minimum.
    error AdapterSlippage(uint256 amountOut, uint256 minAmountOut);
    /// @notice `token` is neither of the adapter's pair.
    error UnsupportedToken(address token);

    /// @notice Swaps `amountIn` of `tokenIn` (already transferred to the adapter) for `tokenOut`, sent to the
    ///         caller; reverts when the output is below `minAmountOut`.
    function swapExactIn(
        address tokenIn,
        address tokenOut,
        uint256 amountIn,
        uint256 minAmountOut
    ) external returns (uint256 amountOut);

    /// @notice The venue's current price of base, WAD quote per base (instantaneous; only ever compared with an
    ///         independent oracle, never used as a price on its own).
    function venuePrice() external view returns (uint256);

    /// @notice Expected proportional cost of trading `baseAmount` (WAD of base) on the venue now: the pool fee
    ///         plus the expected price impact at the current in-range liquidity, both WAD fractions of notional.
    function tradingCost(uint256 baseAmount) external view returns (uint256 feeWad, uint256 impactWad);

    /// @notice The base and quote tokens of the pair.
    function base() external view returns (address);

    function quote() external view returns (address);
}
