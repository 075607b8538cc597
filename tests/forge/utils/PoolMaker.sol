// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IUniswapV3Factory} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Factory.sol";
import {IUniswapV3Pool} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Pool.sol";

import {TestERC20} from "contracts/test/TestERC20.sol";

import {VM} from "./Vm.sol";

/// @title PoolMaker
/// @notice The real Uniswap V3 factory (bytecode from the npm artifact of @uniswap/v3-core 1.0.1), one pool of
///         (base, quote) with full-range liquidity, and a market maker that swaps the pool to any price. Tokens
///         are TestERC20s (OpenZeppelin ERC-20 with an open mint): the maker mints what the pool asks for.
/// @dev Prices are WAD quote per whole base, whatever the token order and decimals.
contract PoolMaker {
    string internal constant FACTORY_ARTIFACT =
        "node_modules/@uniswap/v3-core/artifacts/contracts/UniswapV3Factory.sol/UniswapV3Factory.json";
    uint24 public constant FEE = 3000;
    /// @dev Full range for tick spacing 60 (TickMath.MAX_TICK = 887272 rounded down to a multiple of 60).
    int24 internal constant MAX_USABLE_TICK = 887220;
    uint160 internal constant MIN_SQRT_RATIO = 4295128739;
    uint160 internal constant MAX_SQRT_RATIO = 1461446703485210103287273052203988822378723970342;

    IUniswapV3Factory public immutable factory;
    IUniswapV3Pool public immutable pool;
    TestERC20 public immutable base;
    TestERC20 public immutable quote;
    bool public immutable baseIsToken0;
    /// @dev 10**(18 + base decimals - quote decimals), as in UniswapV3AdapterBase.
    uint256 internal immutable _priceScale;

    /// @dev Call `addLiquidity` next: the pool pays itself through this contract's callback, which has no code
    ///      while the constructor runs.
    constructor(TestERC20 base_, TestERC20 quote_, uint256 priceWad) {
        bytes memory code = VM.getCode(FACTORY_ARTIFACT);
        address deployed;
        assembly ("memory-safe") {
            deployed := create(0, add(code, 0x20), mload(code))
        }
        require(deployed != address(0), "factory deployment failed");
        factory = IUniswapV3Factory(deployed);
        base = base_;
        quote = quote_;
        baseIsToken0 = address(base_) < address(quote_);
        _priceScale = 10 ** (18 + base_.decimals() - quote_.decimals());
        pool = IUniswapV3Pool(factory.createPool(address(base_), address(quote_), FEE));
        pool.initialize(sqrtPriceX96(priceWad));
    }

    /// @notice Adds `liquidity` over the full range, owned by this contract.
    function addLiquidity(uint128 liquidity) external {
        pool.mint(address(this), -MAX_USABLE_TICK, MAX_USABLE_TICK, liquidity, "");
    }

    /// @notice Swaps the pool to `priceWad` (one swap, exact input up to the price limit).
    function moveTo(uint256 priceWad) external {
        uint160 target = sqrtPriceX96(priceWad);
        (uint160 current, , , , , , ) = pool.slot0();
        if (target == current) return;
        bool zeroForOne = target < current;
        pool.swap(address(this), zeroForOne, type(int128).max, target, "");
    }

    /// @notice The pool's price, WAD quote per base.
    function price() external view returns (uint256) {
        (uint160 sqrtP, , , , , , ) = pool.slot0();
        uint256 ratioX128 = Math.mulDiv(sqrtP, sqrtP, 2 ** 64);
        if (baseIsToken0) return Math.mulDiv(ratioX128, _priceScale, 2 ** 128);
        return Math.mulDiv(2 ** 128, _priceScale, ratioX128);
    }

    /// @notice sqrt(token1 per token0 in raw units) x 2**96 for a WAD price of base in quote.
    function sqrtPriceX96(uint256 priceWad) public view returns (uint160) {
        // raw token1/token0 = price / priceScale (base token0) or priceScale / price (base token1).
        uint256 ratioX192 = baseIsToken0
            ? Math.mulDiv(priceWad, 2 ** 192, _priceScale)
            : Math.mulDiv(_priceScale, 2 ** 192, priceWad);
        uint256 s = Math.sqrt(ratioX192);
        if (s <= MIN_SQRT_RATIO) return MIN_SQRT_RATIO + 1;
        if (s >= MAX_SQRT_RATIO) return MAX_SQRT_RATIO - 1;
        return uint160(s);
    }

    /// @notice Pays the pool for the full-range position.
    function uniswapV3MintCallback(uint256 owed0, uint256 owed1, bytes calldata) external {
        require(msg.sender == address(pool), "not the pool");
        _pay(owed0, owed1);
    }

    /// @notice Pays the pool the input of a price move.
    function uniswapV3SwapCallback(int256 delta0, int256 delta1, bytes calldata) external {
        require(msg.sender == address(pool), "not the pool");
        _pay(delta0 > 0 ? uint256(delta0) : 0, delta1 > 0 ? uint256(delta1) : 0);
    }

    function _pay(uint256 owed0, uint256 owed1) internal {
        (TestERC20 token0, TestERC20 token1) = baseIsToken0 ? (base, quote) : (quote, base);
        if (owed0 != 0) token0.mint(msg.sender, owed0);
        if (owed1 != 0) token1.mint(msg.sender, owed1);
    }
}
