// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {FixedPointMathLib as F} from "solady/utils/FixedPointMathLib.sol";
import {IUniswapV3Pool} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Pool.sol";

import {ISwapAdapter} from "@deltavault/interfaces/ISwapAdapter.sol";

/// @title UniswapV3AdapterBase
/// @notice What every Uniswap V3 adapter shares: the pool and its pair, the pool price in WAD and the expected
///         trading cost. The concrete adapters add `swapExactIn` (directly on the pool, or through a router).
abstract contract UniswapV3AdapterBase is ISwapAdapter {
    // ---------------------------------------------------------------- constants

    uint256 internal constant WAD = 1e18;
    uint256 internal constant Q96 = 2 ** 96;

    // ---------------------------------------------------------------- immutables

    IUniswapV3Pool public immutable pool;
    address public immutable base;
    address public immutable quote;
    /// @notice The pool's fee tier, hundredths of a basis point (3000 = 0.3 %).
    uint24 public immutable fee;
    bool internal immutable _baseIsToken0;
    /// @dev 10**(18 + base decimals - quote decimals): raw token1/token0 price to WAD quote per whole base.
    uint256 internal immutable _priceScale;
    /// @dev 10**(18 - base decimals): WAD base to raw base units.
    uint256 internal immutable _baseScale;

    // ---------------------------------------------------------------- constructor

    /// @param pool_ The Uniswap V3 pool of (base, quote).
    /// @param base_ The base token, one of the pool's two tokens (at most 18 decimals).
    constructor(IUniswapV3Pool pool_, address base_) {
        address token0 = pool_.token0();
        address token1 = pool_.token1();
        if (base_ != token0 && base_ != token1) revert UnsupportedToken(base_);
        pool = pool_;
        base = base_;
        _baseIsToken0 = base_ == token0;
        quote = _baseIsToken0 ? token1 : token0;
        fee = pool_.fee();
        uint8 baseDecimals = IERC20Metadata(base_).decimals();
        _priceScale = 10 ** (18 + baseDecimals - IERC20Metadata(quote).decimals());
        _baseScale = 10 ** (18 - baseDecimals);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc ISwapAdapter
    function venuePrice() external view returns (uint256) {
        uint256 sqrtPriceX96 = _sqrtPriceX96();
        // token1 per token0 (raw units) as a Q128 number; fits in 256 bits for every valid sqrt price.
        uint256 ratioX128 = F.fullMulDiv(sqrtPriceX96, sqrtPriceX96, 2 ** 64);
        if (_baseIsToken0) return F.fullMulDiv(ratioX128, _priceScale, 2 ** 128);
        return F.fullMulDiv(2 ** 128, _priceScale, ratioX128);
    }

    /// @inheritdoc ISwapAdapter
    /// @dev Impact: with in-range liquidity L, selling dx of token0 moves 1/sqrtP by dx/L, so the average
    ///      execution price is off by about dx * sqrtP / L; for token1, dy / (L * sqrtP). Liquidity outside the
    ///      current range is ignored, which overstates the impact of large trades (a conservative estimate).
    function tradingCost(uint256 baseAmount) external view returns (uint256 feeWad, uint256 impactWad) {
        feeWad = uint256(fee) * 1e12; // fee in hundredths of a basis point (1e-6)
        uint128 liquidity = pool.liquidity();
        if (liquidity == 0) return (feeWad, WAD);
        uint256 sqrtPriceX96 = _sqrtPriceX96();
        uint256 raw = baseAmount / _baseScale;
        impactWad = _baseIsToken0
            ? F.fullMulDiv(raw * WAD, sqrtPriceX96, uint256(liquidity) * Q96)
            : F.fullMulDiv(raw * WAD, Q96, uint256(liquidity) * sqrtPriceX96);
        if (impactWad > WAD) impactWad = WAD;
    }

    // ---------------------------------------------------------------- internal

    /// @dev The pool's sqrtPriceX96: the first word of `slot0()`, read without decoding its six other fields (the
    ///      rebalance reads it twice, for the trading cost and for the pool/oracle check). Bubbles up a revert.
    function _sqrtPriceX96() internal view returns (uint256 sqrtPriceX96) {
        address pool_ = address(pool);
        assembly ("memory-safe") {
            mstore(0x00, 0x3850c7bd) // slot0()
            // staticcall runs first (Yul evaluates arguments right to left), then returndatasize is read.
            if iszero(and(gt(returndatasize(), 0x1f), staticcall(gas(), pool_, 0x1c, 0x04, 0x00, 0x20))) {
                let free := mload(0x40)
                returndatacopy(free, 0, returndatasize())
                revert(free, returndatasize())
            }
            sqrtPriceX96 := and(mload(0x00), 0xffffffffffffffffffffffffffffffffffffffff) // uint160
        }
    }

    /// @dev Checks that (tokenIn, tokenOut) is the pair, in either order; true when token0 is sold for token1.
    function _zeroForOne(address tokenIn, address tokenOut) internal view returns (bool) {
        if (tokenIn == base) {
            if (tokenOut != quote) revert UnsupportedToken(tokenOut);
            return _baseIsToken0;
        }
        if (tokenIn != quote) revert UnsupportedToken(tokenIn);
        if (tokenOut != base) revert UnsupportedToken(tokenOut);
        return !_baseIsToken0;
    }
}
