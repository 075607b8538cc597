"""The ABI files that wallets and integrators read (`interfaces/abi/`) match the compiled contracts."""

import json

from deltavault import abi


def test_abi_files__match_the_build(project):
    # `project` makes Ape compile first, so the manifest is current.
    built = {
        name: project.get_contract(name).contract_type.model_dump(mode="json")["abi"]
        for name in abi.USER_FACING
    }
    for name, expected in built.items():
        path = abi.ABI_DIR / f"{name}.json"
        assert path.exists(), f"missing {path}; run `make abi`"
        on_disk = json.loads(path.read_text())
        assert on_disk == json.loads(abi.render(expected)), f"{path} is out of date; run `make abi`"


def test_abi_files__cover_every_user_facing_contract():
    assert {"DeltaVault", "DeltaHedger", "OptionToken"} <= set(abi.USER_FACING)
    for name in abi.USER_FACING:
        assert (abi.ABI_DIR / f"{name}.json").exists()
