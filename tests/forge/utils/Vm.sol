// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title Vm
/// @notice The few Foundry cheatcodes the invariant suite uses (forge-std is not available from npm in a working
///         version; these signatures are forge's own, see the Foundry book's cheatcode reference).
interface Vm {
    function prank(address sender) external;
    function warp(uint256 timestamp) external;
    function roll(uint256 blockNumber) external;
    function fee(uint256 baseFee) external;
    function addr(uint256 privateKey) external pure returns (address);
    function label(address account, string calldata name) external;
    function getCode(string calldata artifactPath) external view returns (bytes memory);
    function writeLine(string calldata path, string calldata data) external;
    function envOr(string calldata name, string calldata defaultValue) external view returns (string memory);
    function toString(uint256 value) external pure returns (string memory);
    function toString(int256 value) external pure returns (string memory);
    function toString(address value) external pure returns (string memory);
    function toString(bytes calldata value) external pure returns (string memory);
    function toString(bytes32 value) external pure returns (string memory);
    function expectRevert(bytes4 revertData) external;
}

/// @dev The cheatcode address: address(bytes20(uint160(uint256(keccak256("hevm cheat code"))))).
Vm constant VM = Vm(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);

/// @notice The invariant-test hooks forge reads from a test contract (forge-std's StdInvariant, reduced).
abstract contract InvariantTest {
    /// @notice A target contract and the selectors of it the fuzzer may call.
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    /// @notice Marks the contract as a test for forge (forge-std's `IS_TEST`).
    bool public constant IS_TEST = true;

    address[] internal _targetContracts;
    FuzzSelector[] internal _targetSelectors;

    function targetContracts() public view returns (address[] memory) {
        return _targetContracts;
    }

    function targetSelectors() public view returns (FuzzSelector[] memory) {
        return _targetSelectors;
    }
}
