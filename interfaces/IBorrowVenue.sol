// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IBorrowVenue
/// @notice A lending market the vault borrows its short hedge from: the vault posts the collateral token (its
///         quote asset) and borrows the debt token (its base asset). One venue serves one vault, its owner, and
///         holds one position on one market in its own name; only the vault changes it (and, for a plain `borrow`
///         or `repay`, the vault's current hedger). The venue keeps no funds between calls: collateral and
///         repayments are pulled from the vault (`transferFrom`, so the vault gives the venue an allowance; only
///         the vault or its hedger can make it pull) in the exact amounts the market takes,
///         and withdrawn collateral and borrowed tokens go straight to the vault. Tokens sent to the venue by
///         anyone else stay out of every operation until `skim` returns them to the vault.
/// @dev Units: token amounts in the token's own units; prices in WAD (1e18) of collateral token per one whole
///      debt token, i.e. quote per base, the vault's spot convention; loan-to-value ratios and health factors in
///      WAD. Every figure is rounded against the borrower (debt up, collateral value, borrowing room and
///      liquidation price down), and reads include interest accrued up to the current block.
interface IBorrowVenue {
    // ------------------------------------------------------------------------------------------------------
    // Types
    // ------------------------------------------------------------------------------------------------------

    /// @notice What the venue can do now. `Active`: every operation. `NoLiquidity`: nothing left to borrow
    ///         (repaying, adding and, while healthy, withdrawing collateral still work). `OracleUnavailable`: the
    ///         market's price cannot be read (stale or invalid feed), so borrowing, withdrawing collateral and
    ///         liquidations are blocked; repaying and adding collateral still work. `Paused`: the market is paused
    ///         by its governance (venues that can pause, e.g. Aave V3; never on Morpho Blue, which is immutable).
    enum Status {
        Active,
        NoLiquidity,
        OracleUnavailable,
        Paused
    }

    // ------------------------------------------------------------------------------------------------------
    // Errors
    // ------------------------------------------------------------------------------------------------------

    /// @notice A state-changing function was called by `caller`, not by the venue's vault `vault`.
    error NotVault(address caller, address vault);
    /// @notice `borrow` or `repay` was called by `caller`, neither the venue's vault `vault` nor its current
    ///         hedger `hedger`.
    error NotVaultOrHedger(address caller, address vault, address hedger);
    /// @notice An operation was asked for a zero amount.
    error ZeroAmount();
    /// @notice A borrow of `assets` exceeds what the market can lend now (`available`).
    error InsufficientLiquidity(uint256 assets, uint256 available);
    /// @notice A borrow of `assets` would take the position beyond its liquidation LTV (`maxAssets` is the most
    ///         it can borrow now).
    error BorrowAboveLimit(uint256 assets, uint256 maxAssets);
    /// @notice A withdrawal of `assets` of collateral exceeds what can leave while the debt stays covered at the
    ///         liquidation LTV (`withdrawable`).
    error WithdrawAboveLimit(uint256 assets, uint256 withdrawable);
    /// @notice A target loan-to-value `ltv` (WAD) is zero or above the market's liquidation LTV `lltv`.
    error LtvOutOfRange(uint256 ltv, uint256 lltv);
    /// @notice A borrow needs `needed` more collateral at its target LTV, above the caller's `maxCollateral`.
    error CollateralAboveMax(uint256 needed, uint256 maxCollateral);

    // ------------------------------------------------------------------------------------------------------
    // Events
    // ------------------------------------------------------------------------------------------------------

    /// @notice `assets` of collateral were pulled from the vault and posted; the position now holds `collateral`.
    event CollateralSupplied(uint256 assets, uint256 collateral);
    /// @notice `assets` of collateral were withdrawn to the vault; the position now holds `collateral`.
    event CollateralWithdrawn(uint256 assets, uint256 collateral);
    /// @notice `assets` of the debt token were borrowed (for `shares` of the market's debt) and sent to the vault
    ///         (the debt after it: `position()`).
    event Borrowed(uint256 assets, uint256 shares);
    /// @notice `assets` pulled from the vault repaid `shares` of the market's debt (the debt after it: `position()`).
    event Repaid(uint256 assets, uint256 shares);
    /// @notice Tokens sent to the venue by others were returned to the vault.
    event Skimmed(address indexed token, uint256 amount);

    // ------------------------------------------------------------------------------------------------------
    // Position changes (vault only)
    // ------------------------------------------------------------------------------------------------------

    /// @notice Pulls `assets` of the collateral token from the vault and posts them as collateral.
    function supplyCollateral(uint256 assets) external;

    /// @notice Withdraws `assets` of collateral to the vault. Reverts with `WithdrawAboveLimit` when more than
    ///         `withdrawableCollateral(lltv)` would leave.
    function withdrawCollateral(uint256 assets) external;

    /// @notice Borrows `assets` of the debt token and sends them to the vault. Callable by the vault or its
    ///         hedger (no collateral moves). Reverts with `InsufficientLiquidity` or `BorrowAboveLimit` when the
    ///         market refuses (its own checks decide; the venue's `maxBorrow` holds one unit back from them).
    /// @return shares The market's debt shares added (0 for venues without shares).
    function borrow(uint256 assets) external returns (uint256 shares);

    /// @notice Repays `min(assets, debt)`, pulled from the vault. Callable by the vault or its hedger. When
    ///         `assets` covers the whole debt, the debt is closed exactly (no dust left) and only what it takes is
    ///         pulled.
    /// @return repaid The debt tokens pulled from the vault and repaid.
    function repay(uint256 assets) external returns (uint256 repaid);

    /// @notice The "borrow and sell" leg in one call: posts the collateral the debt after the borrow needs at
    ///         loan-to-value `ltv` (WAD, at most `lltv()`; pulled from the vault, none when the position already
    ///         holds enough), then borrows `assets` to the vault. Reverts with `CollateralAboveMax` when more than
    ///         `maxCollateral` (the vault's free quote) would be needed.
    /// @return collateralAdded Collateral pulled from the vault and posted.
    /// @return shares The market's debt shares added.
    function borrowWithCollateral(
        uint256 assets,
        uint256 ltv,
        uint256 maxCollateral
    ) external returns (uint256 collateralAdded, uint256 shares);

    /// @notice The "buy and repay" leg in one call: repays `min(assets, debt)` as `repay` does (`assets` may be
    ///         0), then withdraws to the vault the collateral above what the remaining debt needs at
    ///         loan-to-value `ltv` (WAD, at most `lltv()`); all of it once the debt is closed.
    /// @return repaid The debt tokens pulled from the vault and repaid.
    /// @return withdrawn The collateral sent back to the vault.
    function repayAndWithdraw(
        uint256 assets,
        uint256 ltv
    ) external returns (uint256 repaid, uint256 withdrawn);

    /// @notice Sends the venue's whole balance of `token` (only ever a donation) to the vault. Anyone may call.
    function skim(address token) external returns (uint256 amount);

    // ------------------------------------------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------------------------------------------

    /// @notice The vault that owns the venue's position and receives everything it releases.
    function vault() external view returns (address);

    /// @notice The token posted as collateral (the vault's quote asset).
    function collateralToken() external view returns (address);

    /// @notice The token borrowed (the vault's base asset).
    function debtToken() external view returns (address);

    /// @notice The position: collateral posted and debt owed with interest accrued to now (rounded up).
    function position() external view returns (uint256 collateral, uint256 debt);

    /// @notice The market's liquidation loan-to-value ratio (WAD): beyond it the position can be liquidated.
    function lltv() external view returns (uint256);

    /// @notice The market's price of one whole debt token in collateral tokens (WAD, rounded up): the price that
    ///         decides borrowing limits and liquidation. Reverts when the market's oracle does.
    function price() external view returns (uint256);

    /// @notice Debt tokens the market can lend now (supplied minus borrowed, with interest accrued to now).
    function availableLiquidity() external view returns (uint256);

    /// @notice What a borrow needs, in one call: `availableLiquidity()` and whether the market's price can be read
    ///         now (`price()` would not revert). Never reverts on the oracle's account.
    /// @return liquidity Debt tokens the market can lend now.
    /// @return priced True when the market's oracle answers with a non-zero price.
    function lendingState() external view returns (uint256 liquidity, bool priced);

    /// @notice Debt tokens the position can borrow now without its loan-to-value exceeding `ltv` (WAD, at most
    ///         `lltv()`), within `availableLiquidity()`; 0 when the position is at or beyond `ltv`.
    function maxBorrow(uint256 ltv) external view returns (uint256 assets);

    /// @notice Collateral a position owing `debt` must hold for its loan-to-value to be at most `ltv` (WAD, at
    ///         most `lltv()`), at the market's price now (rounded up).
    function collateralFor(uint256 debt, uint256 ltv) external view returns (uint256 collateral);

    /// @notice Collateral that can be withdrawn now while the loan-to-value stays at or below `ltv` (WAD, at
    ///         most `lltv()`); the whole collateral when there is no debt.
    function withdrawableCollateral(uint256 ltv) external view returns (uint256 assets);

    /// @notice The position's health at the market's price now.
    /// @return ltv Debt value over collateral value (WAD, rounded up); 0 without debt, `type(uint256).max` with
    ///         debt and no collateral.
    /// @return healthFactor Liquidation LTV times collateral value over debt value (WAD, rounded down; below 1e18
    ///         the position can be liquidated); `type(uint256).max` without debt.
    /// @return liquidationPrice The debt token's price (WAD, collateral per debt token, rounded down) at which
    ///         the position becomes liquidatable; `type(uint256).max` without debt, 0 with debt and no collateral.
    function health() external view returns (uint256 ltv, uint256 healthFactor, uint256 liquidationPrice);

    /// @notice What the venue can do now (never reverts).
    function status() external view returns (Status);
}
