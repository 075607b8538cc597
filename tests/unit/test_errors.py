"""One decoder for every custom error of the contracts (`deltavault.errors`): each error of the shipped ABIs
round-trips with its values, reads in the contract's own words, and is found inside every wrapper it arrives in."""

import pytest
from eth_abi import encode
from eth_utils import keccak
from web3.exceptions import ContractCustomError, ContractLogicError, Web3RPCError

from deltavault import ContractError
from deltavault.errors import decode, error_abis, explain, revert_data
from tests.utils.constants import WAD


def _sample(kind):
    if kind == "address":
        return "0x" + "12" * 20
    if kind == "bool":
        return True
    if kind.startswith("bytes"):
        return b"\x01" * int(kind[5:] or 3)
    if kind == "string":
        return "x"
    return 7


def _encode(error, values):
    return error.selector + encode(list(error.types), values)


def test_error_abis__cover_the_vault_hedger_adapters_and_engine():
    names = {e.name for e in error_abis().values()}
    assert {"AmountTooSmall", "OracleStale", "PoolOracleDeviation", "RebalanceNotDue", "InsufficientCollateral",
            "AdapterSlippage", "OnlyVault", "SpotOutOfRange", "ERC20InsufficientBalance"} <= names  # fmt: skip


@pytest.mark.parametrize(
    "error", sorted(error_abis().values(), key=lambda e: e.signature), ids=lambda e: e.name
)
def test_decode__every_shipped_error__round_trips_with_its_values(error):
    values = [_sample(t) for t in error.types]
    decoded = decode(_encode(error, values))
    assert decoded.name == error.name and decoded.message.endswith(f"[{error.name}]")
    assert len(decoded.args) == len(values)
    assert "unknown" not in decoded.message


def test_decode__amount_too_small__plain_words_and_human_units():
    (error,) = [e for e in error_abis().values() if e.name == "AmountTooSmall"]
    decoded = decode(_encode(error, [10**12, 10**15]))
    assert decoded.args == {"amount": 10**12, "min": 10**15}
    assert (
        decoded.message
        == "Option amounts must be at least `min` (WAD): amount 0.000001, min 0.001 [AmountTooSmall]"
    )


def test_decode__oracle_stale__date_and_seconds():
    (error,) = [e for e in error_abis().values() if e.name == "OracleStale"]
    message = decode(_encode(error, ["0x" + "ab" * 20, 1_700_000_000, 3600])).message
    assert "2023-11-14 22:13:20 UTC" in message and "maxAge 3,600 s" in message
    assert "0xABaBaBaBABabABabAbAbABAbABabababaBaBABaB" in message  # checksummed


def test_decode__quote_amounts_in_tokens_when_the_decimals_are_known():
    (error,) = [e for e in error_abis().values() if e.name == "InsufficientCollateral"]
    data = _encode(error, [3_000 * 10**6, 1_276_500_000])
    assert "required 3,000.000000, available 1,276.500000" in decode(data, quote_decimals=6).message
    assert "required 3,000,000,000" in decode(data).message


def test_decode__error_string_panic_unknown_and_empty():
    assert decode(keccak(text="Error(string)")[:4] + encode(["string"], ["SPL"])).message == "reverted: SPL"
    assert "overflow" in decode(keccak(text="Panic(uint256)")[:4] + encode(["uint256"], [0x11])).message
    assert decode("0xdeadbeef").name == "unknown"
    assert decode(None) is None and decode(b"") is None and decode("0x") is None


def test_revert_data__found_in_every_wrapper():
    (error,) = [e for e in error_abis().values() if e.name == "RebalanceNotDue"]
    data = _encode(error, [-WAD, 0, WAD // 2])
    wrapped = [
        ContractCustomError("0x" + data.hex(), data="0x" + data.hex()),
        ContractLogicError("execution reverted", data="0x" + data.hex()),
        Web3RPCError("execution reverted", rpc_response={"error": {"code": 3, "data": "0x" + data.hex()}}),
    ]
    try:
        try:
            raise wrapped[0]
        except Exception as inner:
            raise RuntimeError("estimate failed") from inner
    except RuntimeError as outer:
        wrapped.append(outer)
    for err in wrapped:
        assert revert_data(err) == data, err
        assert explain(err).startswith(
            "No rule makes a rebalance due"
        ) and "delta -1, target 0, band 0.5" in explain(err)


def test_revert_data__addresses_in_messages_are_not_mistaken_for_data():
    assert revert_data(ValueError("no contract at 0x" + "ab" * 20)) is None
    assert explain(ValueError("first line\nsecond")) == "first line"


def test_contract_error__names_the_action():
    (error,) = [e for e in error_abis().values() if e.name == "SeriesNotListed"]
    err = ContractError(decode(_encode(error, [9])), "buyOption")
    assert str(err) == "buyOption reverted: The series id does not exist: seriesId 9 [SeriesNotListed]"


def test_decode__hedge_capacity_in_base_tokens__collateral_needed_stays_in_units():
    (capacity,) = [e for e in error_abis().values() if e.name == "HedgeCapacityExceeded"]
    message = decode(_encode(capacity, [36_348_912 * 10**12, 14 * WAD]), quote_decimals=6).message
    assert message.endswith("needed 36.348912, capacity 14 [HedgeCapacityExceeded]")
    (collateral,) = [e for e in error_abis().values() if e.name == "CollateralAboveMax"]
    assert "needed 5,000,000, maxCollateral" in decode(_encode(collateral, [5 * 10**6, 10**6])).message
