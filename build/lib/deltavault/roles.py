"""The vault's roles, mirroring `contracts/libraries/Roles.sol`."""

from enum import Enum

from eth_utils import keccak


class Role(bytes, Enum):
    OWNER = b"\x00" * 32
    MANAGER = keccak(text="deltavault.role.manager")
    GUARDIAN = keccak(text="deltavault.role.guardian")
