"""The vault core's runtime bytecode stays at most 20,000 bytes (room under EIP-170's 24,576 for what comes next),
and its creation code, which carries the option token's and the request queue's, under EIP-3860's 49,152."""

RUNTIME_LIMIT = 20_000
INITCODE_LIMIT = 49_152


def _size(bytecode) -> int:
    return len(bytes.fromhex(str(bytecode.bytecode).removeprefix("0x")))


def test_vault_runtime__at_most_20000_bytes(project):
    size = _size(project.DeltaVault.contract_type.runtime_bytecode)
    print(f"DeltaVault runtime {size:,} bytes")
    assert size <= RUNTIME_LIMIT


def test_vault_creation_code__under_the_initcode_limit(project):
    assert _size(project.DeltaVault.contract_type.deployment_bytecode) < INITCODE_LIMIT


def test_extension_and_hedger_runtime__under_eip170(project):
    for name in ("DeltaVaultExtension", "DeltaHedger"):
        assert _size(getattr(project, name).contract_type.runtime_bytecode) <= 24_576, name
