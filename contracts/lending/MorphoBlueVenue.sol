// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20, IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {
    Id,
    IMorpho,
    Market,
    MarketParams,
    Position
} from "@morpho-org/morpho-blue/src/interfaces/IMorpho.sol";
import {IIrm} from "@morpho-org/morpho-blue/src/interfaces/IIrm.sol";
import {IOracle} from "@morpho-org/morpho-blue/src/interfaces/IOracle.sol";
import {MarketParamsLib} from "@morpho-org/morpho-blue/src/libraries/MarketParamsLib.sol";
import {MathLib, WAD} from "@morpho-org/morpho-blue/src/libraries/MathLib.sol";
import {SharesMathLib} from "@morpho-org/morpho-blue/src/libraries/SharesMathLib.sol";
import {UtilsLib} from "@morpho-org/morpho-blue/src/libraries/UtilsLib.sol";
import {MorphoStorageLib} from "@morpho-org/morpho-blue/src/libraries/periphery/MorphoStorageLib.sol";
import {IBorrowVenue} from "@deltavault/interfaces/IBorrowVenue.sol";

/// @title MorphoBlueVenue
/// @notice The vault's borrow venue on one Morpho Blue market whose loan token is the vault's base asset and whose
///         collateral token is its quote asset. The venue holds the position in its own name; only the vault
///         changes it. Reads use Morpho's own share math on the market's balances with interest accrued to now
///         (`MorphoBalancesLib.expectedMarketBalances`' computation on the raw storage words, read in one
///         `extSloads` call), so they equal what Morpho itself computes in the same block.
/// @dev Rounding follows Morpho's (debt up, collateral value down) and the limits are checked before Morpho's own
///      checks, so that a refused operation reverts with this venue's error carrying the values.
contract MorphoBlueVenue is IBorrowVenue {
    using SafeERC20 for IERC20;
    using MathLib for uint256;
    using SharesMathLib for uint256;
    using MarketParamsLib for MarketParams;
    using UtilsLib for uint256;

    // ------------------------------------------------------------------------------------------------------
    // Types
    // ------------------------------------------------------------------------------------------------------

    /// @dev The position (collateral, debt rounded up, debt shares) and the market's balances, with interest
    ///      accrued to now: what Morpho itself sees first thing in any call this block.
    struct State {
        uint256 collateral;
        uint256 debt;
        uint256 shares;
        uint256 supplyAssets;
        uint256 borrowAssets;
        uint256 borrowShares;
    }

    // ------------------------------------------------------------------------------------------------------
    // Errors
    // ------------------------------------------------------------------------------------------------------

    /// @notice No Morpho market exists with the given parameters (id `id`).
    error MarketNotCreated(bytes32 id);
    /// @notice The market's collateral or loan token is the zero address, or both are the same token.
    error InvalidMarketTokens(address loanToken, address collateralToken);
    /// @notice The vault is the zero address.
    error ZeroVault();

    // ------------------------------------------------------------------------------------------------------
    // Constants
    // ------------------------------------------------------------------------------------------------------

    /// @dev Morpho's oracle price scale.
    uint256 internal constant ORACLE_PRICE_SCALE = 1e36;

    // ------------------------------------------------------------------------------------------------------
    // Storage (immutable)
    // ------------------------------------------------------------------------------------------------------

    /// @notice The Morpho Blue singleton.
    IMorpho public immutable morpho;
    /// @notice The market's id (keccak256 of its parameters).
    Id public immutable marketId;
    /// @inheritdoc IBorrowVenue
    address public immutable vault;
    /// @inheritdoc IBorrowVenue
    address public immutable debtToken;
    /// @inheritdoc IBorrowVenue
    address public immutable collateralToken;
    /// @notice The market's oracle (`IOracle.price()`: collateral in loan-token units, 1e36 scale).
    address public immutable oracle;
    /// @notice The market's interest-rate model.
    address public immutable irm;
    /// @inheritdoc IBorrowVenue
    uint256 public immutable lltv;

    /// @dev 10**(54 + loan decimals - collateral decimals): one whole debt token in collateral tokens, WAD, is
    ///      this over Morpho's price.
    uint256 internal immutable _priceScale;
    /// @dev 10**(loan decimals) and 10**(collateral decimals).
    uint256 internal immutable _debtUnit;
    uint256 internal immutable _collateralUnit;
    /// @dev Morpho's storage slots of the market (`Market`: three consecutive words from this one) and of this
    ///      venue's borrow shares and collateral (`MorphoStorageLib`), read with `extSloads`.
    uint256 internal immutable _marketSlot;
    bytes32 internal immutable _positionSlot;

    // ------------------------------------------------------------------------------------------------------
    // Constructor
    // ------------------------------------------------------------------------------------------------------

    /// @param morpho_ The Morpho Blue singleton.
    /// @param params The market: loan token = the vault's base, collateral token = its quote; it must exist.
    /// @param vault_ The vault that owns the position.
    constructor(IMorpho morpho_, MarketParams memory params, address vault_) {
        if (vault_ == address(0)) revert ZeroVault();
        if (
            params.loanToken == address(0) ||
            params.collateralToken == address(0) ||
            params.loanToken == params.collateralToken
        ) revert InvalidMarketTokens(params.loanToken, params.collateralToken);
        Id id = params.id();
        if (morpho_.market(id).lastUpdate == 0) revert MarketNotCreated(Id.unwrap(id));
        morpho = morpho_;
        marketId = id;
        vault = vault_;
        debtToken = params.loanToken;
        collateralToken = params.collateralToken;
        oracle = params.oracle;
        irm = params.irm;
        lltv = params.lltv;
        uint256 debtDecimals = IERC20Metadata(params.loanToken).decimals();
        uint256 collateralDecimals = IERC20Metadata(params.collateralToken).decimals();
        _debtUnit = 10 ** debtDecimals;
        _collateralUnit = 10 ** collateralDecimals;
        // ERC-20 decimals are at most 255 in type; 10**(54 + 255) would overflow, but no token with more than
        // 18 decimals is lent on Morpho, and the constructor reverts (checked arithmetic) beyond 77 digits.
        _priceScale = 10 ** (54 + debtDecimals - collateralDecimals);
        _marketSlot = uint256(MorphoStorageLib.marketTotalSupplyAssetsAndSharesSlot(id));
        _positionSlot = MorphoStorageLib.positionBorrowSharesAndCollateralSlot(id, address(this));
        // Morpho pulls collateral and repayments from this contract; it is immutable and trusted.
        IERC20(params.collateralToken).forceApprove(address(morpho_), type(uint256).max);
        IERC20(params.loanToken).forceApprove(address(morpho_), type(uint256).max);
    }

    // ------------------------------------------------------------------------------------------------------
    // External: position changes (vault only)
    // ------------------------------------------------------------------------------------------------------

    modifier onlyVault() {
        if (msg.sender != vault) revert NotVault(msg.sender, vault);
        _;
    }

    /// @dev The vault or its current hedger (`IDeltaVault.hedger()`, read from the vault on each call, so a
    ///      replaced hedger loses the right at once).
    modifier onlyVaultOrHedger() {
        if (msg.sender != vault) {
            address hedger = _vaultHedger();
            if (msg.sender != hedger) revert NotVaultOrHedger(msg.sender, vault, hedger);
        }
        _;
    }

    /// @inheritdoc IBorrowVenue
    function supplyCollateral(uint256 assets) external onlyVault {
        if (assets == 0) revert ZeroAmount();
        _supply(_params(), assets, morpho.position(marketId, address(this)).collateral);
    }

    /// @inheritdoc IBorrowVenue
    function withdrawCollateral(uint256 assets) external onlyVault {
        if (assets == 0) revert ZeroAmount();
        MarketParams memory params = _params();
        State memory s = _accruedState(params);
        uint256 withdrawable = s.debt == 0
            ? s.collateral
            : _withdrawable(s.collateral, s.debt, lltv, _oraclePrice());
        if (assets > withdrawable) revert WithdrawAboveLimit(assets, withdrawable);
        _withdraw(params, assets, s.collateral);
    }

    /// @inheritdoc IBorrowVenue
    /// @dev Morpho accrues and checks (liquidity, health at the liquidation LTV) in its own `borrow`: the venue
    ///      computes its limits only when Morpho refuses, to revert with them (`_borrowRefused`).
    function borrow(uint256 assets) external onlyVaultOrHedger returns (uint256 shares) {
        if (assets == 0) revert ZeroAmount();
        MarketParams memory params = _params();
        try morpho.borrow(params, assets, 0, address(this), vault) returns (uint256, uint256 added) {
            shares = added;
        } catch (bytes memory reason) {
            _borrowRefused(params, assets, reason);
        }
        emit Borrowed(assets, shares);
    }

    /// @inheritdoc IBorrowVenue
    /// @dev With no debt, returns 0 and pulls nothing (a third-party liquidation may have closed the debt between
    ///      a keeper's decision and its transaction). A repayment below the debt as stored (interest only adds to
    ///      it) is pulled and left to Morpho's own accrual; one that may cover the debt accrues first, to close
    ///      it exactly (`_repay`).
    function repay(uint256 assets) external onlyVaultOrHedger returns (uint256 repaid) {
        if (assets == 0) revert ZeroAmount();
        MarketParams memory params = _params();
        (uint256 borrowWord, uint256 positionWord) = _debtWords();
        uint256 shares = uint128(positionWord);
        if (shares == 0) return 0;
        if (assets < shares.toAssetsUp(uint128(borrowWord), borrowWord >> 128)) {
            // Reached only from the vault or its hedger: the vault pays its own debt.
            // slither-disable-next-line arbitrary-send-erc20
            IERC20(debtToken).safeTransferFrom(vault, address(this), assets);
            uint256 repaidShares;
            (repaid, repaidShares) = morpho.repay(params, assets, 0, address(this), "");
            emit Repaid(repaid, repaidShares);
        } else {
            (repaid, ) = _repay(params, _accruedState(params), assets);
        }
    }

    /// @inheritdoc IBorrowVenue
    function borrowWithCollateral(
        uint256 assets,
        uint256 ltv,
        uint256 maxCollateral
    ) external onlyVault returns (uint256 collateralAdded, uint256 shares) {
        if (assets == 0) revert ZeroAmount();
        _checkLtv(ltv);
        MarketParams memory params = _params();
        State memory s = _accruedState(params);
        uint256 price = _oraclePrice();
        // The new debt can come out one unit above debt + assets (see `_borrowRoom`).
        uint256 needed = _collateralFor(s.debt + assets + 1, ltv, price);
        if (needed > s.collateral) {
            collateralAdded = needed - s.collateral;
            if (collateralAdded > maxCollateral) revert CollateralAboveMax(collateralAdded, maxCollateral);
            _supply(params, collateralAdded, s.collateral);
            s.collateral = needed;
        }
        shares = _borrow(params, s, assets, price);
    }

    /// @inheritdoc IBorrowVenue
    function repayAndWithdraw(
        uint256 assets,
        uint256 ltv
    ) external onlyVault returns (uint256 repaid, uint256 withdrawn) {
        _checkLtv(ltv);
        MarketParams memory params = _params();
        State memory s = _accruedState(params);
        uint256 debtAfter = s.debt;
        if (assets != 0) (repaid, debtAfter) = _repay(params, s, assets);
        withdrawn = debtAfter == 0
            ? s.collateral
            : _withdrawable(s.collateral, debtAfter, ltv, _oraclePrice());
        if (withdrawn != 0) _withdraw(params, withdrawn, s.collateral);
    }

    /// @inheritdoc IBorrowVenue
    function skim(address token) external returns (uint256 amount) {
        amount = IERC20(token).balanceOf(address(this));
        if (amount != 0) {
            IERC20(token).safeTransfer(vault, amount);
            emit Skimmed(token, amount);
        }
    }

    // ------------------------------------------------------------------------------------------------------
    // Internal
    // ------------------------------------------------------------------------------------------------------

    function _params() internal view returns (MarketParams memory) {
        return MarketParams(debtToken, collateralToken, oracle, irm, lltv);
    }

    /// @dev Morpho's market (three words) and this venue's position word in one `extSloads` call, then the
    ///      interest accrued since the market's last update added to both totals exactly as
    ///      `MorphoBalancesLib.expectedMarketBalances` does (the IRM is given the market as stored; the fee only
    ///      mints supply shares, which no figure here uses). No IRM call when the market was updated this block.
    function _state(MarketParams memory params) internal view returns (State memory s) {
        (uint256 supplyWord, uint256 borrowWord, uint256 updateWord, uint256 positionWord) = _words();
        s.supplyAssets = uint128(supplyWord);
        s.borrowAssets = uint128(borrowWord);
        s.borrowShares = borrowWord >> 128;
        s.shares = uint128(positionWord);
        s.collateral = positionWord >> 128;
        uint256 elapsed = block.timestamp - uint128(updateWord);
        if (elapsed != 0 && s.borrowAssets != 0 && params.irm != address(0)) {
            Market memory m = Market(
                uint128(supplyWord),
                uint128(supplyWord >> 128),
                uint128(borrowWord),
                uint128(borrowWord >> 128),
                uint128(updateWord),
                uint128(updateWord >> 128)
            );
            uint256 rate = IIrm(params.irm).borrowRateView(params, m);
            // Morpho's own cast: an accrual beyond 128 bits reverts there as well.
            uint256 interest = s.borrowAssets.wMulDown(rate.wTaylorCompounded(elapsed)).toUint128();
            s.supplyAssets += interest;
            s.borrowAssets += interest;
        }
        s.debt = s.shares.toAssetsUp(s.borrowAssets, s.borrowShares);
    }

    /// @dev `_state` for a position change: Morpho's own accrual first (what its `borrow`, `repay` and
    ///      `withdrawCollateral` do first anyway, so they then skip it), then the words as stored are current.
    function _accruedState(MarketParams memory params) internal returns (State memory) {
        morpho.accrueInterest(params);
        return _state(params);
    }

    /// @dev Morpho's storage words: total supply (assets | shares << 128), total borrow (same), last update
    ///      (| fee << 128) of the market, and this venue's borrow shares (| collateral << 128), in one
    ///      `extSloads(bytes32[])` call encoded by hand (the generic encoder costs more than the read).
    function _words()
        internal
        view
        returns (uint256 supplyWord, uint256 borrowWord, uint256 updateWord, uint256 positionWord)
    {
        address target = address(morpho);
        uint256 marketSlot = _marketSlot;
        bytes32 positionSlot = _positionSlot;
        assembly ("memory-safe") {
            // Scratch memory past the free memory pointer: 4 + 6 words out, 6 words back.
            let ptr := mload(0x40)
            mstore(ptr, shl(224, 0x7784c685)) // extSloads(bytes32[])
            mstore(add(ptr, 0x04), 0x20)
            mstore(add(ptr, 0x24), 4)
            mstore(add(ptr, 0x44), marketSlot)
            mstore(add(ptr, 0x64), add(marketSlot, 1))
            mstore(add(ptr, 0x84), add(marketSlot, 2))
            mstore(add(ptr, 0xa4), positionSlot)
            if iszero(staticcall(gas(), target, ptr, 0xc4, ptr, 0xc0)) {
                returndatacopy(ptr, 0, returndatasize())
                revert(ptr, returndatasize())
            }
            // The answer is (offset 0x20, length 4, the four words).
            if iszero(and(eq(returndatasize(), 0xc0), eq(mload(add(ptr, 0x20)), 4))) {
                revert(0, 0)
            }
            supplyWord := mload(add(ptr, 0x40))
            borrowWord := mload(add(ptr, 0x60))
            updateWord := mload(add(ptr, 0x80))
            positionWord := mload(add(ptr, 0xa0))
        }
    }

    /// @dev `_words` for the market's total borrow and this venue's position only: 4 + 4 words out, 4 back.
    function _debtWords() internal view returns (uint256 borrowWord, uint256 positionWord) {
        address target = address(morpho);
        uint256 borrowSlot = _marketSlot + 1;
        bytes32 positionSlot = _positionSlot;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, shl(224, 0x7784c685)) // extSloads(bytes32[])
            mstore(add(ptr, 0x04), 0x20)
            mstore(add(ptr, 0x24), 2)
            mstore(add(ptr, 0x44), borrowSlot)
            mstore(add(ptr, 0x64), positionSlot)
            if iszero(staticcall(gas(), target, ptr, 0x84, ptr, 0x80)) {
                returndatacopy(ptr, 0, returndatasize())
                revert(ptr, returndatasize())
            }
            if iszero(and(eq(returndatasize(), 0x80), eq(mload(add(ptr, 0x20)), 2))) {
                revert(0, 0)
            }
            borrowWord := mload(add(ptr, 0x40))
            positionWord := mload(add(ptr, 0x60))
        }
    }

    /// @dev The low and high 128 bits of a packed Morpho storage word.
    function _low(bytes32 word) internal pure returns (uint128) {
        return uint128(uint256(word));
    }

    function _high(bytes32 word) internal pure returns (uint128) {
        return uint128(uint256(word) >> 128);
    }

    function _supply(MarketParams memory params, uint256 assets, uint256 collateralBefore) internal {
        // Reached only from the vault-only `supplyCollateral` and `borrowWithCollateral`: the vault pays itself.
        // slither-disable-next-line arbitrary-send-erc20
        IERC20(collateralToken).safeTransferFrom(vault, address(this), assets);
        morpho.supplyCollateral(params, assets, address(this), "");
        emit CollateralSupplied(assets, collateralBefore + assets);
    }

    function _withdraw(MarketParams memory params, uint256 assets, uint256 collateralBefore) internal {
        morpho.withdrawCollateral(params, assets, address(this), vault);
        emit CollateralWithdrawn(assets, collateralBefore - assets);
    }

    /// @dev Checks liquidity and the LLTV limit with the values carried by the errors, then borrows to the vault.
    function _borrow(
        MarketParams memory params,
        State memory s,
        uint256 assets,
        uint256 price
    ) internal returns (uint256 shares) {
        uint256 available = _zeroFloorSub(s.supplyAssets, s.borrowAssets);
        if (assets > available) revert InsufficientLiquidity(assets, available);
        uint256 limit = _borrowRoom(s.collateral, s.debt, lltv, price);
        if (assets > limit) revert BorrowAboveLimit(assets, limit);
        (, shares) = morpho.borrow(params, assets, 0, address(this), vault);
        emit Borrowed(assets, shares);
    }

    /// @dev Morpho refused a borrow of `assets`: reverts with the venue's error and its values when the market,
    ///      as Morpho saw it (interest accrued to now), lacks the liquidity or the collateral; else with
    ///      Morpho's own `reason`.
    function _borrowRefused(MarketParams memory params, uint256 assets, bytes memory reason) internal view {
        State memory s = _state(params);
        uint256 available = _zeroFloorSub(s.supplyAssets, s.borrowAssets);
        if (assets > available) revert InsufficientLiquidity(assets, available);
        uint256 limit = _borrowRoom(s.collateral, s.debt, lltv, _oraclePrice());
        if (assets > limit) revert BorrowAboveLimit(assets, limit);
        assembly ("memory-safe") {
            revert(add(reason, 0x20), mload(reason))
        }
    }

    /// @dev The vault's hedger, or address(0) when the vault does not answer `hedger()` with one word.
    function _vaultHedger() internal view returns (address hedger) {
        address target = vault;
        assembly ("memory-safe") {
            mstore(0, shl(224, 0x079cff94)) // hedger()
            let ok := staticcall(gas(), target, 0, 4, 0, 0x20)
            if and(ok, eq(returndatasize(), 0x20)) {
                hedger := and(mload(0), 0xffffffffffffffffffffffffffffffffffffffff)
            }
        }
    }

    /// @dev Repays min(assets, debt); the whole debt is closed by shares, so no dust remains. The amount Morpho
    ///      takes is pulled from the vault first (no repay callback): `assets`, or for the whole debt `s.debt`,
    ///      which is Morpho's own `toAssetsUp` of the shares on the totals as accrued this block (`s` is read
    ///      after `accrueInterest`, so Morpho's accrual inside `repay` adds nothing). Anything pulled that Morpho
    ///      did not take goes straight back to the vault; base sent to the venue by others stays for `skim`.
    function _repay(
        MarketParams memory params,
        State memory s,
        uint256 assets
    ) internal returns (uint256 repaid, uint256 debtAfter) {
        if (s.debt == 0) return (0, 0);
        bool whole = assets >= s.debt;
        uint256 pulled = whole ? s.debt : assets;
        // Reached only from the vault-only `repay` and `repayAndWithdraw`: the vault pays its own debt.
        // slither-disable-next-line arbitrary-send-erc20
        IERC20(debtToken).safeTransferFrom(vault, address(this), pulled);
        uint256 repaidShares;
        if (whole) {
            (repaid, repaidShares) = morpho.repay(params, 0, s.shares, address(this), "");
        } else {
            (repaid, repaidShares) = morpho.repay(params, assets, 0, address(this), "");
        }
        if (pulled > repaid) IERC20(debtToken).safeTransfer(vault, pulled - repaid);
        // Morpho's state after the repayment, as it computes it (the total never goes below zero).
        debtAfter = (s.shares - repaidShares).toAssetsUp(
            _zeroFloorSub(s.borrowAssets, repaid),
            s.borrowShares - repaidShares
        );
        emit Repaid(repaid, repaidShares);
    }

    function _oraclePrice() internal view returns (uint256) {
        return IOracle(oracle).price();
    }

    /// @dev (collateral, debt with interest accrued to now, rounded up as Morpho does).
    function _position(MarketParams memory params) internal view returns (uint256 collateral, uint256 debt) {
        State memory s = _state(params);
        return (s.collateral, s.debt);
    }

    /// @dev Debt allowed at loan-to-value `ltv` for `collateral` at Morpho price `price`: Morpho's own formula
    ///      (collateral value rounded down, then times the LTV rounded down).
    function _maxDebt(uint256 collateral, uint256 ltv, uint256 price) internal pure returns (uint256) {
        return collateral.mulDivDown(price, ORACLE_PRICE_SCALE).wMulDown(ltv);
    }

    /// @dev What can be borrowed on top of `debt` at `ltv`. One unit is held back: Morpho rounds the new shares
    ///      up and the new debt up again, which adds less than one unit while a debt share is worth less than one
    ///      unit of the loan token (it starts at 1e-6 and only grows with interest).
    function _borrowRoom(
        uint256 collateral,
        uint256 debt,
        uint256 ltv,
        uint256 price
    ) internal pure returns (uint256) {
        uint256 maxDebt = _maxDebt(collateral, ltv, price);
        return maxDebt > debt + 1 ? maxDebt - debt - 1 : 0;
    }

    /// @dev Collateral needed for `debt` at `ltv`, rounded up twice so that Morpho's rounded-down check passes:
    ///      c >= ceil(ceil(debt / ltv) * 1e36 / price) implies floor(floor(c * price / 1e36) * ltv) >= debt.
    function _collateralFor(uint256 debt, uint256 ltv, uint256 price) internal pure returns (uint256) {
        if (debt == 0) return 0;
        return debt.wDivUp(ltv).mulDivUp(ORACLE_PRICE_SCALE, price);
    }

    function _withdrawable(
        uint256 collateral,
        uint256 debt,
        uint256 ltv,
        uint256 price
    ) internal pure returns (uint256) {
        uint256 required = _collateralFor(debt, ltv, price);
        return collateral > required ? collateral - required : 0;
    }

    function _checkLtv(uint256 ltv) internal view {
        if (ltv == 0 || ltv > lltv) revert LtvOutOfRange(ltv, lltv);
    }

    function _zeroFloorSub(uint256 x, uint256 y) internal pure returns (uint256) {
        return x > y ? x - y : 0;
    }

    // ------------------------------------------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------------------------------------------

    /// @notice The market's parameters, as Morpho takes them.
    function marketParams() external view returns (MarketParams memory) {
        return _params();
    }

    /// @inheritdoc IBorrowVenue
    function position() external view returns (uint256 collateral, uint256 debt) {
        return _position(_params());
    }

    /// @inheritdoc IBorrowVenue
    function price() external view returns (uint256) {
        return _priceScale.mulDivUp(1, _oraclePrice());
    }

    /// @inheritdoc IBorrowVenue
    /// @dev Interest accrual adds the same amount to Morpho's total supply and total borrow, so their difference
    ///      as stored is the difference with interest accrued to now (no IRM call).
    function availableLiquidity() public view returns (uint256) {
        address target = address(morpho);
        uint256 marketSlot = _marketSlot;
        uint256 supplyWord;
        uint256 borrowWord;
        assembly ("memory-safe") {
            // `_words` for the market's two totals only: 4 + 4 words out, 4 words back.
            let ptr := mload(0x40)
            mstore(ptr, shl(224, 0x7784c685)) // extSloads(bytes32[])
            mstore(add(ptr, 0x04), 0x20)
            mstore(add(ptr, 0x24), 2)
            mstore(add(ptr, 0x44), marketSlot)
            mstore(add(ptr, 0x64), add(marketSlot, 1))
            if iszero(staticcall(gas(), target, ptr, 0x84, ptr, 0x80)) {
                returndatacopy(ptr, 0, returndatasize())
                revert(ptr, returndatasize())
            }
            if iszero(and(eq(returndatasize(), 0x80), eq(mload(add(ptr, 0x20)), 2))) {
                revert(0, 0)
            }
            supplyWord := mload(add(ptr, 0x40))
            borrowWord := mload(add(ptr, 0x60))
        }
        return _zeroFloorSub(uint128(supplyWord), uint128(borrowWord));
    }

    /// @inheritdoc IBorrowVenue
    function lendingState() external view returns (uint256 liquidity, bool priced) {
        liquidity = availableLiquidity();
        try IOracle(oracle).price() returns (uint256 p) {
            priced = p != 0;
        } catch {}
    }

    /// @inheritdoc IBorrowVenue
    function maxBorrow(uint256 ltv) external view returns (uint256 assets) {
        _checkLtv(ltv);
        (uint256 collateral, uint256 debt) = _position(_params());
        assets = _borrowRoom(collateral, debt, ltv, _oraclePrice());
        uint256 available = availableLiquidity();
        if (assets > available) assets = available;
    }

    /// @inheritdoc IBorrowVenue
    function collateralFor(uint256 debt, uint256 ltv) external view returns (uint256) {
        _checkLtv(ltv);
        return _collateralFor(debt, ltv, _oraclePrice());
    }

    /// @inheritdoc IBorrowVenue
    function withdrawableCollateral(uint256 ltv) external view returns (uint256) {
        _checkLtv(ltv);
        (uint256 collateral, uint256 debt) = _position(_params());
        return debt == 0 ? collateral : _withdrawable(collateral, debt, ltv, _oraclePrice());
    }

    /// @inheritdoc IBorrowVenue
    function health() external view returns (uint256 ltv, uint256 healthFactor, uint256 liquidationPrice) {
        (uint256 collateral, uint256 debt) = _position(_params());
        if (debt == 0) return (0, type(uint256).max, type(uint256).max);
        uint256 collateralValue = collateral.mulDivDown(_oraclePrice(), ORACLE_PRICE_SCALE);
        if (collateralValue == 0) return (type(uint256).max, 0, 0);
        ltv = debt.mulDivUp(WAD, collateralValue);
        healthFactor = collateralValue.wMulDown(lltv).mulDivDown(WAD, debt);
        // Morpho liquidates below price debt * 1e36 / (collateral * lltv); in debt-token price terms (collateral
        // per whole debt token, WAD) that is collateral * lltv * 10**loanDecimals / (debt * 10**collDecimals).
        liquidationPrice = Math.mulDiv(collateral, lltv * _debtUnit, debt * _collateralUnit);
    }

    /// @inheritdoc IBorrowVenue
    function status() external view returns (Status) {
        try IOracle(oracle).price() returns (uint256 p) {
            if (p == 0) return Status.OracleUnavailable;
        } catch {
            return Status.OracleUnavailable;
        }
        return availableLiquidity() == 0 ? Status.NoLiquidity : Status.Active;
    }
}
