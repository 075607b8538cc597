"""The keeper tells an unavailable RPC (back off, retry) from an answer about its request (a revert, a rejected
transaction), whatever wrapper the error comes in."""

import threading

import pytest
from web3 import Web3
from web3.exceptions import CannotHandleRequest, ContractCustomError, TooManyRequests, Web3RPCError
from web3.providers import BaseProvider

from deltavault.keeper import Keeper, KeeperConfig, is_transient, lens_abi


class UnreachableProvider(BaseProvider):
    """What web3's AutoProvider (Ape's node provider) raises while the node does not answer."""

    def __init__(self):
        super().__init__()
        self.requests = 0

    def make_request(self, method, params):
        self.requests += 1
        raise CannotHandleRequest("Could not discover provider while making request")


def test_keeper_run__cannot_handle_request__backs_off_and_retries_instead_of_exiting():
    provider = UnreachableProvider()
    logs, stop = [], threading.Event()

    def log(record):
        logs.append(record)
        if sum(r["event"] == "rpc_retry" for r in logs) >= 3:
            stop.set()

    keeper = Keeper(
        web3=Web3(provider), lens="0x" + "11" * 20, lens_abi=lens_abi(), hedgers=["0x" + "22" * 20],
        sender="0x" + "33" * 20, sign=lambda tx: (b"", ""), chain_id=1,
        config=KeeperConfig(backoff_initial=0.01, backoff_max=0.02), log=log,
    )  # fmt: skip
    thread = threading.Thread(target=keeper.run, kwargs={"stop": stop}, daemon=True)
    thread.start()
    thread.join(10)
    assert not thread.is_alive()
    events = [r["event"] for r in logs]
    assert events.count("rpc_down") == 1 and events.count("rpc_retry") >= 3, events
    assert "CannotHandleRequest" in next(r["error"] for r in logs if r["event"] == "rpc_down")
    assert events[-1] == "keeper_stopped" and provider.requests >= 3


@pytest.mark.parametrize(
    "err",
    [
        CannotHandleRequest("no provider"),
        TooManyRequests("slow down"),
        ConnectionError("refused"),
        Web3RPCError("limit exceeded", rpc_response={"error": {"code": -32005, "message": "limit exceeded"}}),
        Web3RPCError(
            "header not found", rpc_response={"error": {"code": -32000, "message": "header not found"}}
        ),
    ],
    ids=[
        "cannot-handle-request",
        "too-many-requests",
        "connection-error",
        "rate-limit-code",
        "header-not-found",
    ],
)
def test_is_transient__unavailable_rpc__true(err):
    assert is_transient(err)


@pytest.mark.parametrize(
    "err",
    [
        ContractCustomError("0x12345678", data="0x12345678"),
        Web3RPCError("nonce too low", rpc_response={"error": {"code": -32000, "message": "nonce too low"}}),
        Web3RPCError(
            "execution reverted", rpc_response={"error": {"code": 3, "message": "execution reverted"}}
        ),
        ValueError("a bug"),
    ],
    ids=["revert", "nonce-too-low", "execution-reverted", "bug"],
)
def test_is_transient__answer_about_the_request__false(err):
    assert not is_transient(err)
