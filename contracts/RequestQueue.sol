// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {IDeltaVault} from "@deltavault/interfaces/IDeltaVault.sol";
import {IRequestQueue} from "@deltavault/interfaces/IRequestQueue.sol";

import {OracleLib} from "./libraries/OracleLib.sol";

/// @title RequestQueue
/// @notice Deposit and redeem requests of one DeltaVault, fulfilled permissionlessly at verified oracle rounds
///         (see IRequestQueue). Created by the vault in its constructor.
contract RequestQueue is IRequestQueue, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    // ---------------------------------------------------------------- immutables

    IDeltaVault internal immutable _vault;
    IERC20 internal immutable _asset;

    // ---------------------------------------------------------------- storage

    mapping(address controller => Request) internal _deposits;
    mapping(address controller => Request) internal _redemptions;
    /// @inheritdoc IRequestQueue
    uint256 public totalPendingAssets;
    /// @inheritdoc IRequestQueue
    uint256 public totalPendingShares;

    // ---------------------------------------------------------------- constructor

    constructor(IDeltaVault vault_, IERC20 asset_) {
        _vault = vault_;
        _asset = asset_;
        // The vault draws each fulfilled deposit from the queue.
        asset_.forceApprove(address(vault_), type(uint256).max);
    }

    // ---------------------------------------------------------------- requests

    /// @inheritdoc IRequestQueue
    function requestDeposit(
        uint256 assets,
        address controller,
        address owner
    ) external nonReentrant returns (uint256) {
        _checkRequest(assets, controller, owner, _deposits[controller]);
        uint256 before = _asset.balanceOf(address(this));
        // `owner` is msg.sender (`_checkRequest`): nobody pulls another account's assets.
        // slither-disable-next-line arbitrary-send-erc20
        _asset.safeTransferFrom(owner, address(this), assets);
        uint256 received = _asset.balanceOf(address(this)) - before;
        if (received != assets) revert TransferAmountMismatch(assets, received);
        _add(_deposits[controller], assets);
        totalPendingAssets += assets;
        emit DepositRequest(controller, owner, 0, msg.sender, assets);
        return 0;
    }

    /// @inheritdoc IRequestQueue
    function requestRedeem(
        uint256 shares,
        address controller,
        address owner
    ) external nonReentrant returns (uint256) {
        _checkRequest(shares, controller, owner, _redemptions[controller]);
        // `owner` is msg.sender (`_checkRequest`): nobody pulls another account's shares.
        // slither-disable-next-line arbitrary-send-erc20
        IERC20(address(_vault)).safeTransferFrom(owner, address(this), shares);
        _add(_redemptions[controller], shares);
        totalPendingShares += shares;
        emit RedeemRequest(controller, owner, 0, msg.sender, shares);
        return 0;
    }

    /// @inheritdoc IRequestQueue
    function fulfilDeposit(
        address controller,
        uint80 priceRoundId,
        uint80 volRoundId
    ) external nonReentrant returns (uint256 shares) {
        (uint256 assets, uint256 dueSpot, uint256 dueVol) = _close(
            _deposits[controller],
            controller,
            priceRoundId,
            volRoundId
        );
        totalPendingAssets -= assets;
        shares = _vault.processDeposit(assets, controller, dueSpot, dueVol);
        emit DepositFulfilled(controller, msg.sender, assets, shares, dueSpot, dueVol);
    }

    /// @inheritdoc IRequestQueue
    function fulfilRedeem(
        address controller,
        uint80 priceRoundId,
        uint80 volRoundId
    ) external nonReentrant returns (uint256 assets) {
        (uint256 shares, uint256 dueSpot, uint256 dueVol) = _close(
            _redemptions[controller],
            controller,
            priceRoundId,
            volRoundId
        );
        totalPendingShares -= shares;
        assets = _vault.processRedeem(shares, controller, dueSpot, dueVol);
        emit RedeemFulfilled(controller, msg.sender, shares, assets, dueSpot, dueVol);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IRequestQueue
    function vault() external view returns (address) {
        return address(_vault);
    }

    /// @inheritdoc IRequestQueue
    function asset() external view returns (address) {
        return address(_asset);
    }

    /// @inheritdoc IRequestQueue
    function depositRequest(address controller) external view returns (Request memory) {
        return _deposits[controller];
    }

    /// @inheritdoc IRequestQueue
    function redeemRequest(address controller) external view returns (Request memory) {
        return _redemptions[controller];
    }

    /// @inheritdoc IRequestQueue
    function dueAt(address controller, bool isDeposit) public view returns (uint256) {
        Request memory r = isDeposit ? _deposits[controller] : _redemptions[controller];
        if (r.amount == 0) return 0;
        return r.requestedAt + _vault.policy().requestDelay;
    }

    /// @inheritdoc IRequestQueue
    function pendingDepositRequest(uint256, address controller) external view returns (uint256) {
        return _deposits[controller].amount;
    }

    /// @inheritdoc IRequestQueue
    function pendingRedeemRequest(uint256, address controller) external view returns (uint256) {
        return _redemptions[controller].amount;
    }

    /// @inheritdoc IRequestQueue
    function claimableDepositRequest(uint256, address) external pure returns (uint256) {
        return 0;
    }

    /// @inheritdoc IRequestQueue
    function claimableRedeemRequest(uint256, address) external pure returns (uint256) {
        return 0;
    }

    // ---------------------------------------------------------------- internal

    /// @dev Only the owner asks with its own assets or shares; only the controller adds to its pending request
    ///      (an addition restarts the delay, so a third party could otherwise hold a request back forever).
    function _checkRequest(
        uint256 amount,
        address controller,
        address owner,
        Request storage pending
    ) internal view {
        if (amount == 0) revert ZeroAmount();
        if (controller == address(0)) revert IDeltaVault.ZeroAddress();
        if (owner != msg.sender) revert NotOwner(msg.sender, owner);
        if (pending.amount != 0 && controller != msg.sender) revert RequestPending(controller);
    }

    /// @dev Adds to a pending request and restarts its delay (the whole request gets the later due time).
    function _add(Request storage r, uint256 amount) internal {
        r.amount = SafeCast.toUint128(r.amount + amount);
        r.requestedAt = uint40(block.timestamp);
    }

    /// @dev Closes `controller`'s due request `r` (deposit or redemption, the same rules): its amount and the
    ///      marks at its due time, the price of the first round at or after it and the volatility in effect when
    ///      that round was updated (0 for a manually set volatility). The request is deleted before the vault
    ///      is called.
    function _close(
        Request storage r,
        address controller,
        uint80 priceRoundId,
        uint80 volRoundId
    ) internal returns (uint256 amount, uint256 spot, uint256 vol) {
        amount = r.amount;
        if (amount == 0) revert NoPendingRequest(controller);
        uint256 due = r.requestedAt + _vault.policy().requestDelay;
        if (block.timestamp < due) revert RequestNotDue(controller, due);
        delete r.amount;
        delete r.requestedAt;
        IDeltaVault.OracleConfig memory c = _vault.oracleConfig();
        uint256 updatedAt;
        (spot, updatedAt) = OracleLib.firstRoundAfter(c.priceFeed, priceRoundId, due);
        if (address(c.volFeed) != address(0)) {
            vol = OracleLib.roundInEffect(c.volFeed, volRoundId, updatedAt, c.volMaxAge);
            uint256 min = _vault.MIN_VOL();
            uint256 max = _vault.MAX_VOL();
            if (vol < min || vol > max) revert IDeltaVault.VolatilityOutOfBounds(vol, min, max);
        }
    }
}
