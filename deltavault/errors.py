"""One decoder for every revert of the DeltaVault contracts: custom errors, `Error(string)` and `Panic(uint256)`.

Revert data reaches Python in many wrappers (web3's `ContractCustomError` from `eth_call` and `eth_estimateGas`,
Ape's `ContractLogicError` / `CustomError`, a node's JSON-RPC error, a failed receipt that has to be replayed);
`revert_data(err)` digs the bytes out of any of them and `decode(data)` turns them into a `DecodedError` whose
`message` is one line in plain words, taken from the error's NatSpec (shipped in `deltavault/abi/errors.json`)
with its values in human units:

    AmountTooSmall(amount=10**12, min=10**15)
    -> "Option amounts must be at least `min` (WAD): amount 0.000001, min 0.001 [AmountTooSmall]"

Used by the CLI (`deltavault.cli`), the keeper's logs, the SDK's `ContractError` and the tests
(`tests/utils/vault.py`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from typing import Any

from eth_abi import decode as abi_decode
from eth_utils import is_address, keccak, to_checksum_address

from deltavault import abi as packaged

WAD = 10**18
ERROR_STRING_SELECTOR = keccak(text="Error(string)")[:4]
PANIC_SELECTOR = keccak(text="Panic(uint256)")[:4]
PANIC_CODES = {
    0x01: "assertion failed",
    0x11: "arithmetic overflow or underflow",
    0x12: "division or modulo by zero",
    0x21: "invalid enum value",
    0x22: "invalid storage byte array",
    0x31: "pop on an empty array",
    0x32: "array index out of bounds",
    0x41: "out of memory",
    0x51: "call to an uninitialised function",
}

# Inputs shown in human units (the contracts' conventions: prices, volatilities, deltas and option amounts in
# WAD; times in seconds since the epoch).
_WAD_FIELDS = {
    "spot", "strike", "cap", "vol", "current", "requested", "maxStep", "delta", "target", "band", "gammaAfter",
    "vegaAfter", "poolPrice", "oraclePrice", "deviationBefore", "deviationAfter", "rate",
}  # fmt: skip
_TIME_FIELDS = {
    "expiry", "updatedAt", "previousUpdatedAt", "nextAllowed", "lastRebalance", "lastUpdate", "lastObservation",
    "upSince",
}  # fmt: skip
_SECONDS_FIELDS = {"maxAge", "gracePeriod", "timeToExpiry"}
# Inputs in quote-token units, shown in tokens when the caller knows the quote token's decimals.
_QUOTE_FIELDS = {"required", "available", "premium", "maxPremium", "minPremium", "windowLoss", "budget"}
# Errors whose `amount` / `min` are option amounts (WAD).
_WAD_AMOUNT_ERRORS = {"AmountTooSmall", "ExceedsOutstanding"}
# Errors whose `needed` / `capacity` are base amounts (WAD); `needed` elsewhere is in token units.
_WAD_CAPACITY_ERRORS = {"HedgeCapacityExceeded"}


@dataclass(frozen=True)
class ErrorAbi:
    name: str
    signature: str
    selector: bytes
    names: tuple[str, ...]
    types: tuple[str, ...]


@dataclass(frozen=True)
class DecodedError:
    """A decoded revert: `name` (`AmountTooSmall`, `Error`, `Panic`, or `unknown`), its inputs by name, and
    `message`, one readable line."""

    name: str
    args: dict[str, Any]
    message: str
    selector: bytes = b""

    def __str__(self) -> str:
        return self.message


class ContractError(Exception):
    """A call or transaction of the DeltaVault contracts reverted; `decoded` says how, in plain words."""

    def __init__(self, decoded: DecodedError, action: str | None = None):
        self.decoded = decoded
        self.action = action
        super().__init__(f"{action} reverted: {decoded.message}" if action else decoded.message)


def _type_string(entry: dict) -> str:
    kind = entry["type"]
    if kind.startswith("tuple"):
        return "(" + ",".join(_type_string(c) for c in entry["components"]) + ")" + kind[len("tuple") :]
    return kind


@cache
def error_abis() -> dict[bytes, ErrorAbi]:
    """selector -> error, for every custom error in the ABIs the package ships."""
    errors: dict[bytes, ErrorAbi] = {}
    for name in packaged.PACKAGED:
        try:
            entries = packaged.load(name)
        except FileNotFoundError:
            continue
        for entry in entries:
            if entry.get("type") != "error":
                continue
            types = tuple(_type_string(i) for i in entry["inputs"])
            signature = f"{entry['name']}({','.join(types)})"
            selector = keccak(text=signature)[:4]
            names = tuple(i.get("name") or f"arg{k}" for k, i in enumerate(entry["inputs"]))
            errors[selector] = ErrorAbi(entry["name"], signature, selector, names, types)
    return errors


def _human(error: str, field: str, value: Any, quote_decimals: int | None = None) -> str:
    if isinstance(value, bytes):
        text = value.rstrip(b"\0")
        if len(value) == 32 and text and all(32 <= c < 127 for c in text):
            return text.decode()  # a bytes32 parameter name (PolicyOutOfBounds, ParameterOutOfBounds)
        return "0x" + value.hex()
    if isinstance(value, str) and is_address(value):
        return to_checksum_address(value)
    if isinstance(value, bool) or not isinstance(value, int):
        return str(value)
    if field in _TIME_FIELDS and 0 < value < 2**40:
        return datetime.fromtimestamp(value, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    if field in _SECONDS_FIELDS:
        return f"{value:,} s"
    if quote_decimals is not None and field in _QUOTE_FIELDS:
        return f"{Decimal(value).scaleb(-quote_decimals):,f}"
    if field.endswith("Bps"):
        return f"{value} bps"
    if (
        field in _WAD_FIELDS
        or (error in _WAD_AMOUNT_ERRORS and field in ("amount", "min", "outstanding"))
        or (error in _WAD_CAPACITY_ERRORS and field in ("needed", "capacity"))
    ):
        return f"{(Decimal(value) / WAD).quantize(Decimal('1e-6')).normalize():,f}"
    return f"{value:,}" if abs(value) >= 10_000 else str(value)


def _sentence(error: ErrorAbi) -> str:
    text = packaged.error_docs().get(error.signature, "")
    text = re.sub(r"\s*NOTE:.*$", "", text).rstrip(". ")
    if text:
        return text
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", error.name).lower()
    return words[:1].upper() + words[1:]


def decode(data: bytes | str | None, *, quote_decimals: int | None = None) -> DecodedError | None:
    """Decode revert data (bytes or 0x hex); None when there is none (a revert without data, e.g. out of gas).

    With `quote_decimals`, quote amounts (`required`, `available`, premiums, loss budget) are shown in tokens."""
    if data is None:
        return None
    if isinstance(data, str):
        text = data[2:] if data.startswith("0x") else data
        try:
            data = bytes.fromhex(text)
        except ValueError:
            return None
    data = bytes(data)
    if len(data) < 4:
        return None
    selector, body = data[:4], data[4:]
    try:
        if selector == ERROR_STRING_SELECTOR:
            (reason,) = abi_decode(["string"], body)
            return DecodedError("Error", {"reason": reason}, f"reverted: {reason}", selector)
        if selector == PANIC_SELECTOR:
            (code,) = abi_decode(["uint256"], body)
            what = PANIC_CODES.get(code, "panic")
            return DecodedError("Panic", {"code": code}, f"{what} (panic 0x{code:02x})", selector)
        error = error_abis().get(selector)
        if error is not None:
            values = abi_decode(list(error.types), body)
            values = [
                to_checksum_address(v) if t == "address" else v
                for t, v in zip(error.types, values, strict=True)
            ]
            args = dict(zip(error.names, values, strict=True))
            shown = ", ".join(f"{k} {_human(error.name, k, v, quote_decimals)}" for k, v in args.items())
            message = _sentence(error) + (f": {shown}" if shown else "") + f" [{error.name}]"
            return DecodedError(error.name, args, message, selector)
    except Exception:  # malformed or missing body: name the error when the selector is known
        error = error_abis().get(selector)
        if error is not None:
            return DecodedError(error.name, {}, f"{_sentence(error)} [{error.name}]", selector)
    return DecodedError("unknown", {}, f"unknown error 0x{data.hex()}", selector)


_HEX_DATA = re.compile(r"0x(?:[0-9a-fA-F]{2}){4,}")
_CUSTOM_ERROR_SELECTOR = re.compile(r"custom error (0x[0-9a-fA-F]{8})")


def revert_data(err: BaseException) -> bytes | None:
    """The raw revert data carried by an exception of web3, Ape or a JSON-RPC node, if any."""
    seen: set[int] = set()
    stack: list[Any] = [err]
    while stack:
        item = stack.pop()
        if item is None or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, bytes | bytearray) and len(item) >= 4:
            return bytes(item)
        if isinstance(item, str):
            if _HEX_DATA.fullmatch(item.strip()):
                return bytes.fromhex(item.strip()[2:])
            match = _CUSTOM_ERROR_SELECTOR.search(item)  # Ape's undecoded view revert: the selector only
            if match:
                return bytes.fromhex(match.group(1)[2:])
            continue
        if isinstance(item, dict):
            stack.extend([item.get("data"), item.get("error")])
            continue
        if isinstance(item, BaseException):
            # web3: .data (hex str or dict); Ape: .revert_message (hex when not decoded), .base_err, .message
            for attr in ("data", "revert_message", "rpc_response", "base_err", "__cause__", "__context__"):
                stack.append(getattr(item, attr, None))
            stack.extend(a for a in item.args if isinstance(a, str | bytes | dict | BaseException))
    return None


def explain(err: BaseException) -> str:
    """One line saying why `err` happened: the decoded revert when there is one, else the error's first line."""
    if isinstance(err, ContractError):
        return err.decoded.message
    decoded = decode(revert_data(err))
    if decoded is not None:
        return decoded.message
    # Ape's CustomError without raw data: re-encode its decoded inputs.
    abi = getattr(err, "abi", None)
    inputs = getattr(err, "inputs", None)
    if abi is not None and isinstance(inputs, dict) and getattr(abi, "type", "") == "error":
        from eth_abi import encode

        try:
            types = [i.canonical_type for i in abi.inputs]
            data = keccak(text=abi.selector)[:4] + encode(types, [inputs[i.name] for i in abi.inputs])
            decoded = decode(data)
        except Exception:
            decoded = None
        if decoded is not None:
            return decoded.message
    text = (str(err) or type(err).__name__).strip().splitlines()
    return (text[0] if text else type(err).__name__)[:300]


def replay_receipt(web3: Any, receipt: Any) -> DecodedError | None:
    """Why a mined transaction failed: replays it with `eth_call` on the state before its block and decodes the
    revert (None when the replay does not revert, e.g. it ran out of gas)."""
    tx = web3.eth.get_transaction(receipt["transactionHash"])
    call = {"from": tx["from"], "to": tx["to"], "data": tx["input"], "value": tx.get("value", 0)}
    try:
        web3.eth.call(call, block_identifier=int(receipt["blockNumber"]) - 1)
    except Exception as err:
        return decode(revert_data(err))
    return None


__all__ = [
    "ContractError",
    "DecodedError",
    "decode",
    "error_abis",
    "explain",
    "replay_receipt",
    "revert_data",
]
