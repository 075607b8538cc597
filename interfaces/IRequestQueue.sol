// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IRequestQueue
/// @notice The asynchronous way into and out of a DeltaVault, in the shape of ERC-7540 requests. A deposit or
///         redeem request is priced at oracle marks that nobody can know when asking: it is due `requestDelay`
///         seconds after it was made (the vault's policy), and anyone may then fulfil it at the first price
///         round at or after the due time (verified against its predecessor, as a settlement round is). The
///         vault prices it at the least favourable for its owner of those due marks and the live marks, so
///         neither a known next update nor the choice of when to fulfil is worth anything. A request cannot be
///         cancelled (a cancel would be a free option on the due price) and cannot be stuck: once due, anyone
///         can fulfil it; fulfilment waits only for the vault's own conditions (a settlement to be recorded,
///         the vault to be unpaused for deposits, free liquidity for redemptions).
/// @dev Units: assets in the quote token's units, shares in the vault's share units, times in seconds, prices
///      and volatilities WAD. One pending request per controller and kind (ERC-7540 request id 0): a new
///      request by the controller adds to the pending one and restarts its delay; nobody else can add to it. Processed requests are delivered to the
///      controller in the same transaction, so nothing is ever "claimable" (the claimable views return 0).
interface IRequestQueue {
    // ---------------------------------------------------------------- types

    /// @notice A pending request: `amount` of assets (deposit) or shares (redeem), made at `requestedAt`.
    struct Request {
        uint128 amount;
        uint40 requestedAt;
    }

    // ---------------------------------------------------------------- errors

    /// @notice A request for nothing.
    error ZeroAmount();
    /// @notice Only the owner of the assets or shares may make a request with them.
    error NotOwner(address caller, address owner);
    /// @notice `controller` has a pending request of this kind: only `controller` may add to it.
    error RequestPending(address controller);
    /// @notice The controller has no pending request of this kind.
    error NoPendingRequest(address controller);
    /// @notice The request is due at `dueAt`.
    error RequestNotDue(address controller, uint256 dueAt);
    /// @notice The volatility round `roundId` (updated at `updatedAt`, next round at `nextUpdatedAt`) is not the
    ///         round in effect at `time`.
    error InvalidVolatilityRound(uint80 roundId, uint256 updatedAt, uint256 nextUpdatedAt, uint256 time);
    /// @notice A token transfer delivered a different amount than requested (fee-on-transfer tokens).
    error TransferAmountMismatch(uint256 expected, uint256 received);

    // ---------------------------------------------------------------- events

    /// @notice ERC-7540: `owner` asked to deposit `assets` for `controller`.
    event DepositRequest(
        address indexed controller,
        address indexed owner,
        uint256 indexed requestId,
        address sender,
        uint256 assets
    );
    /// @notice ERC-7540: `owner` asked to redeem `shares` for `controller`.
    event RedeemRequest(
        address indexed controller,
        address indexed owner,
        uint256 indexed requestId,
        address sender,
        uint256 shares
    );
    /// @notice `caller` fulfilled `controller`'s deposit request: `assets` became `shares`, priced with the due
    ///         marks `dueSpot` and `dueVol` (0: the manual volatility) against the live ones.
    event DepositFulfilled(
        address indexed controller,
        address indexed caller,
        uint256 assets,
        uint256 shares,
        uint256 dueSpot,
        uint256 dueVol
    );
    /// @notice `caller` fulfilled `controller`'s redeem request: `shares` paid `assets`.
    event RedeemFulfilled(
        address indexed controller,
        address indexed caller,
        uint256 shares,
        uint256 assets,
        uint256 dueSpot,
        uint256 dueVol
    );

    // ---------------------------------------------------------------- requests

    /// @notice Moves `assets` of quote from `owner` (the caller) into the queue, pending for `controller`.
    /// @return requestId Always 0 (one aggregated request per controller).
    function requestDeposit(
        uint256 assets,
        address controller,
        address owner
    ) external returns (uint256 requestId);

    /// @notice Moves `shares` of the vault from `owner` (the caller; no approval needed) into the queue, pending
    ///         for `controller`.
    /// @return requestId Always 0.
    function requestRedeem(
        uint256 shares,
        address controller,
        address owner
    ) external returns (uint256 requestId);

    /// @notice Fulfils `controller`'s due deposit request: the shares go to `controller`. Anyone may call.
    /// @param priceRoundId The first round of the vault's price feed updated at or after the due time.
    /// @param volRoundId The round of the volatility feed in effect when that price round was updated (ignored
    ///        when the vault's volatility is set manually).
    function fulfilDeposit(
        address controller,
        uint80 priceRoundId,
        uint80 volRoundId
    ) external returns (uint256 shares);

    /// @notice Fulfils `controller`'s due redeem request: the assets go to `controller`. Anyone may call.
    function fulfilRedeem(
        address controller,
        uint80 priceRoundId,
        uint80 volRoundId
    ) external returns (uint256 assets);

    // ---------------------------------------------------------------- views

    /// @notice The vault this queue serves.
    function vault() external view returns (address);

    /// @notice The vault's quote asset.
    function asset() external view returns (address);

    /// @notice `controller`'s pending deposit request.
    function depositRequest(address controller) external view returns (Request memory);

    /// @notice `controller`'s pending redeem request.
    function redeemRequest(address controller) external view returns (Request memory);

    /// @notice When `controller`'s pending deposit (`isDeposit`) or redeem request is due (0 when none).
    function dueAt(address controller, bool isDeposit) external view returns (uint256);

    /// @notice ERC-7540: assets pending in `controller`'s deposit request.
    function pendingDepositRequest(
        uint256 requestId,
        address controller
    ) external view returns (uint256 assets);

    /// @notice ERC-7540: shares pending in `controller`'s redeem request.
    function pendingRedeemRequest(
        uint256 requestId,
        address controller
    ) external view returns (uint256 shares);

    /// @notice ERC-7540: always 0, fulfilled requests are delivered at once.
    function claimableDepositRequest(uint256 requestId, address controller) external view returns (uint256);

    /// @notice ERC-7540: always 0, fulfilled requests are delivered at once.
    function claimableRedeemRequest(uint256 requestId, address controller) external view returns (uint256);

    /// @notice Assets held for pending deposit requests (not part of the vault's net asset value).
    function totalPendingAssets() external view returns (uint256);

    /// @notice Shares held for pending redeem requests.
    function totalPendingShares() external view returns (uint256);
}
