"""deltavault.local.lending without a chain: Morpho Blue's build (solc 0.8.19, Morpho's own settings, cached) and the
checks that turn bad deployment input into one-line messages before any transaction."""

import json
from decimal import Decimal

import pytest

from deltavault.local import lending
from deltavault.local.lending import IrmParams, LendingError, MarketParams


def test_build_morpho__artifact__compiled_with_0_8_19_and_morphos_settings():
    path = lending.build_morpho()
    data = json.loads(path.read_text())
    assert data["compiler"]["version"].startswith("0.8.19+commit.7dd6d404")
    settings = data["compiler"]["settings"]
    assert settings["viaIR"] is True
    assert settings["optimizer"] == {"enabled": True, "runs": 999_999}
    assert (settings["evmVersion"], settings["metadata"]["bytecodeHash"]) == ("paris", "none")
    runtime = bytes.fromhex(data["deployedBytecode"].removeprefix("0x"))
    assert 15_000 < len(runtime) <= 24_576
    names = {item.get("name") for item in data["abi"]}
    assert {"supplyCollateral", "borrow", "repay", "liquidate", "createMarket", "enableIrm"} <= names


def test_build_morpho__unchanged_inputs__artifact_reused(monkeypatch):
    path = lending.build_morpho()
    mtime = path.stat().st_mtime_ns

    def no_compiler(*args, **kwargs):
        raise AssertionError("the compiler must not run for an up-to-date artifact")

    monkeypatch.setattr(lending.subprocess, "run", no_compiler)
    assert lending.build_morpho() == path
    assert path.stat().st_mtime_ns == mtime


def test_build_morpho__stale_artifact_and_no_compiler__one_line_error(tmp_path, monkeypatch):
    (tmp_path / "Morpho.json").write_text(json.dumps({"inputDigest": "an older source"}))
    monkeypatch.setenv("SOLCX_BINARY_PATH", str(tmp_path / "empty"))
    with pytest.raises(LendingError, match=r"^solc 0\.8\.19 is not registered .* run `make setup`$"):
        lending.build_morpho(build_dir=tmp_path)


def test_irm_params__defaults__wad_arguments():
    assert IrmParams().as_args() == (5 * 10**15, 5 * 10**16, 10**18, 9 * 10**17)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (IrmParams(kink=Decimal(0)), "kink must be strictly between 0 and 1, got 0"),
        (IrmParams(kink=Decimal(1)), "kink must be strictly between 0 and 1, got 1"),
        (IrmParams(slope1=Decimal("-0.01")), "interest-rate parameters must not be negative"),
        (IrmParams(base_rate="five"), "base_rate must be a number, got 'five'"),
        (IrmParams(slope2=Decimal("NaN")), "slope2 must be a finite number"),
    ],
)
def test_irm_params__bad_values__one_line_error(params, message):
    with pytest.raises(LendingError, match=message):
        params.as_args()


@pytest.mark.parametrize("lltv", [0, 1, "1.5", -0.1])
def test_create_market__lltv_out_of_range__refused_before_any_call(lltv):
    with pytest.raises(LendingError, match=f"lltv must be strictly between 0 and 1, got {lltv}"):
        lending.create_market(None, None, base="0x1", quote="0x2", oracle="0x3", irm="0x4", lltv=lltv)


def test_deploy_oracle__non_positive_max_age__refused_before_any_call():
    with pytest.raises(LendingError, match="max_age must be a positive number of seconds, got 0"):
        lending.deploy_oracle(None, None, None, None, max_age=0)


def test_supply_liquidity__non_positive_amount__refused_before_any_call():
    with pytest.raises(LendingError, match="a lender's supply must be positive, got 0"):
        lending.supply_liquidity(None, None, None, [(None, 0)])


def test_market_params__id__keccak_of_the_abi_encoded_fields():
    from eth_abi import encode
    from eth_utils import keccak

    params = MarketParams("0x" + "11" * 20, "0x" + "22" * 20, "0x" + "33" * 20, "0x" + "44" * 20, 86 * 10**16)
    words = b"".join(bytes(12) + bytes.fromhex(a[2:]) for a in params.as_tuple()[:4])
    assert params.id == keccak(words + (86 * 10**16).to_bytes(32, "big"))
    assert params.id == keccak(encode(["address"] * 4 + ["uint256"], list(params.as_tuple())))


def test_record_keys__documented():
    assert set(lending.DEPLOYMENT_KEYS) == {
        "morpho",
        "morphoIrm",
        "morphoOracle",
        "morphoMarketId",
        "morphoLltv",
        "borrowVenue",
    }


@pytest.mark.parametrize("name", ["mainnet.json", "arbitrum-mainnet.json"])
def test_network_files__morpho_addresses__checksummed(name):
    from eth_utils import is_checksum_address

    data = json.loads((lending.ROOT / "deployments" / "networks" / name).read_text())
    for key in lending.NETWORK_KEYS:
        assert is_checksum_address(data[key]), f"{name}: {key}"
    if name == "mainnet.json":
        assert data["morpho"] == "0xBBBBBbbBBb9cC5e90e3b3Af64bdAF62C37EEFFCb"
