"""The ABI files that wallets (`interfaces/abi/`) and the installed package (`deltavault/abi/`) read match the
build: `make abi` regenerates both."""

import json

from deltavault import abi


def test_abi_files__match_the_build(project):
    # `project` makes Ape compile first, so the manifest is current.
    built = abi.build_abis()
    for name in abi.USER_FACING:
        expected = project.get_contract(name).contract_type.model_dump(mode="json")["abi"]
        assert json.loads(abi.render(expected)) == json.loads(abi.render(built[name]))
    for name, expected in built.items():
        for directory in (abi.PACKAGE_ABI_DIR,) + ((abi.ABI_DIR,) if name in abi.USER_FACING else ()):
            path = directory / f"{name}.json"
            assert path.exists(), f"missing {path}; run `make abi`"
            assert path.read_text() == abi.render(expected), f"{path} is out of date; run `make abi`"


def test_error_docs__match_the_build_and_cover_every_custom_error(project):
    shipped = json.loads((abi.PACKAGE_ABI_DIR / "errors.json").read_text())
    assert shipped == abi.build_error_docs(), "deltavault/abi/errors.json is out of date; run `make abi`"
    from deltavault.errors import error_abis

    vault_errors = {e.signature for e in error_abis().values() if e.name in ("AmountTooSmall", "OracleStale")}
    assert vault_errors <= set(shipped)


def test_packaged_abis__bind_the_real_interfaces():
    erc20 = {e["name"] for e in abi.load("IERC20Metadata") if e["type"] == "function"}
    assert {"balanceOf", "allowance", "approve", "decimals", "symbol"} <= erc20 and "mint" not in erc20
    feed = {e["name"] for e in abi.load("AggregatorV3Interface")}
    assert feed == {"decimals", "description", "version", "getRoundData", "latestRoundData"}
