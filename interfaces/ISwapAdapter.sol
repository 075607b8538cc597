// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title ISwapPayer
/// @notice The caller of `ISwapAdapter.swapExactIn` pays the venue during the swap, when the adapter asks.
interface ISwapPayer {
    /// @notice Transfers `amount` of `token` from the payer to `to` (the venue, or the adapter when the venue
    ///         pulls from it). Called back by the adapter from within `swapExactIn`; `token` is the swap's
    ///         `tokenIn`, and all payments of one swap add up to at most its `amountIn`.
    /// @dev A payer accepts the call only from the adapter it is calling, only during that call, and only up
    ///      to what it allowed for the swap; at any other time it reverts.
    function swapPayment(address token, address to, uint256 amount) external;
}

/// @title ISwapAdapter
/// @notice A venue the vault hedges on. The caller calls `swapExactIn` without transferring anything first; the
///         adapter obtains the input while the swap runs, by calling `ISwapPayer(caller).swapPayment(tokenIn,
///         venue, amount)` with a total of at most `amountIn`, and the output goes to the caller. The adapter
///         holds no funds between transactions.
/// @dev Prices in WAD of quote per one whole base unit; cost fractions in WAD (0.003 = 3e15).
interface ISwapAdapter {
    /// @notice The swap returned less than the caller's minimum.
    error AdapterSlippage(uint256 amountOut, uint256 minAmountOut);
    /// @notice `token` is neither of the adapter's pair.
    error UnsupportedToken(address token);
    /// @notice A venue callback came from `caller`, which is not the adapter's venue `venue`.
    error CallbackNotFromVenue(address caller, address venue);
    /// @notice A venue callback came while the adapter was not swapping.
    error CallbackOutsideSwap();

    /// @notice Swaps `amountIn` of `tokenIn` for `tokenOut`, sent to the caller; reverts when the output is
    ///         below `minAmountOut`. The input is paid by the caller through `ISwapPayer.swapPayment` during
    ///         the call (at most `amountIn` in total).
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
