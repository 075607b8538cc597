"""How the suites drive Ape: a leaner anvil; Ape's and web3's per-request work cut where its answer cannot change
(each patch says why); and one fix to Ape's test isolation (fixture scopes). Imported by tests/conftest.py before
any fixture runs. The speed-ups leave everything a test observes of the chain as it was."""

import functools
import http.client
import threading
import urllib.parse

import ape.contracts.base
import ape.pytest.fixtures
import ape_ethereum.ecosystem
import ape_ethereum.provider
import ape_test.accounts
import requests.sessions
from ape.exceptions import ContractLogicError, TransactionError
from ape.utils.testing import generate_dev_accounts
from ape_foundry.provider import FoundryProvider
from web3._utils.http_session_manager import HTTPSessionManager

from deltavault.local.anvil import lean_anvil

# ape-foundry starts anvil with `--steps-tracing`, which records every opcode of every transaction for geth-style
# struct-log traces. The suites never read those (return values come from parity `trace_transaction`, revert
# data from the failed call), and recording them made the main suite about 30 % slower. Anvil's history is kept
# in memory only (deltavault.local.anvil).
lean_anvil(steps_tracing=False)


# Ape asks anvil whether it mines on its own (`anvil_getAutomine`) several times per transaction and for each
# fixture it isolates; the answer changes only when a request switches it. It is kept per node (provider and URI)
# and forgotten on any request that switches mining, through Ape or a raw `make_request`.
_AUTOMINE_SWITCHES = frozenset(
    {
        "evm_setAutomine",
        "anvil_setAutomine",
        "evm_setIntervalMining",
        "anvil_setIntervalMining",
        "anvil_reset",
    }
)
_automine: dict[tuple[int, str], bool] = {}
_make_request = FoundryProvider.make_request


def _make_request_remembering_automine(self, rpc, parameters=None):
    if rpc in _STATE_SWITCHES:
        _known_contracts.clear()
        _max_gas.clear()
    if rpc in _AUTOMINE_SWITCHES:
        _automine.clear()
    elif rpc == "anvil_getAutomine":
        key = (id(self), self.uri)
        if key not in _automine:
            _automine[key] = _make_request(self, rpc, parameters)
        return _automine[key]
    return _make_request(self, rpc, parameters)


FoundryProvider.make_request = _make_request_remembering_automine
_disconnect = FoundryProvider.disconnect


def _disconnect_forgetting_automine(self):
    _automine.clear()
    _known_contracts.clear()
    _max_gas.clear()
    _disconnect(self)


FoundryProvider.disconnect = _disconnect_forgetting_automine


# Per contract call, Ape asks the node for the contract's code (that it has some), for the latest block (its gas
# limit, the call's default gas) and builds the network's configuration anew (a pydantic-settings model that
# reads the environment, for the default transaction type): about 25 ms of a 34 ms `eth_call` on this machine.
# On an anvil, code appears only by a transaction and disappears only by a revert, a reset or `anvil_setCode`,
# and the block gas limit changes only by a request: both are kept per node until such a request (above) or a
# disconnect. Other providers (a `node` provider in the CLI tests) are asked every time, as Ape does.
_STATE_SWITCHES = frozenset(
    {
        "evm_revert",
        "anvil_reset",
        "anvil_setCode",
        "hardhat_setCode",
        "anvil_loadState",
        "anvil_setBlockGasLimit",
        "evm_setBlockGasLimit",
    }
)
_known_contracts: set[tuple[int, str]] = set()
_max_gas: dict[int, int] = {}
_validate_is_contract = ape.contracts.base.ContractMethodHandler._validate_is_contract


def _validate_is_contract_once_per_state(self):
    provider = self.provider
    if not isinstance(provider, FoundryProvider):
        return _validate_is_contract(self)
    key = (id(provider), self.contract.address)
    if key not in _known_contracts:
        _validate_is_contract(self)
        _known_contracts.add(key)


ape.contracts.base.ContractMethodHandler._validate_is_contract = _validate_is_contract_once_per_state
_max_gas_of = FoundryProvider.max_gas.fget


def _max_gas_once_per_state(self):
    if (gas := _max_gas.get(id(self))) is None:
        gas = _max_gas[id(self)] = _max_gas_of(self)
    return gas


FoundryProvider.max_gas = property(_max_gas_once_per_state)

# The default transaction type of the connected network: a constant of the network's configuration.
_default_transaction_type = ape_ethereum.ecosystem.Ethereum.default_transaction_type.fget
_transaction_types: dict[tuple[int, str | None], object] = {}


def _default_transaction_type_per_network(self):
    provider = self.network_manager.active_provider
    key = (id(self), provider.network.name if provider else None)
    if key not in _transaction_types:
        _transaction_types[key] = _default_transaction_type(self)
    return _transaction_types[key]


ape_ethereum.ecosystem.Ethereum.default_transaction_type = property(_default_transaction_type_per_network)

# requests looks for proxy settings in the environment (every variable, several times) on every request: about
# 1.5 ms of each JSON-RPC request. A node on the loopback interface is never reached through a proxy.
_get_environ_proxies = requests.sessions.get_environ_proxies


def _get_environ_proxies_unless_loopback(url, no_proxy=None):
    if urllib.parse.urlsplit(url).hostname in ("127.0.0.1", "localhost", "::1"):
        return {}
    return _get_environ_proxies(url, no_proxy=no_proxy)


requests.sessions.get_environ_proxies = _get_environ_proxies_unless_loopback

# Each JSON-RPC request through requests (sessions, adapters, urllib3's pool, hooks) costs about 4 ms of Python
# here, several times the node's own time. To a node on the loopback interface, web3's POST goes over one kept-alive
# `http.client` connection per thread and node. Whatever the fast path cannot carry goes through requests as
# before: another host, a stream, a node that refuses the connection (so a node that is down raises requests'
# own errors, which the keeper and the CLI handle); a kept connection the node closed is opened again.
_LOOPBACK = ("127.0.0.1", "localhost", "::1")
_kept_connections: dict[tuple[int, str, int | None], http.client.HTTPConnection] = {}
_make_post_request = HTTPSessionManager.make_post_request


def _exchange(connection, path, data, headers):
    """One POST on `connection`; the response's body. On any failure the connection is closed; a time-out is
    requests' ReadTimeout and an HTTP error status requests' HTTPError, as web3 would raise through requests."""
    try:
        connection.request("POST", path, body=data, headers=headers)
        response = connection.getresponse()
        body = response.read()
        if response.status >= 400:
            raise requests.exceptions.HTTPError(f"{response.status} {response.reason} for url: {path}")
    except TimeoutError as err:
        connection.close()
        raise requests.exceptions.ReadTimeout(str(err)) from err
    except BaseException:
        connection.close()
        raise
    return body


def _post_over_kept_connection(self, endpoint_uri, data, **kwargs):
    parts = urllib.parse.urlsplit(str(endpoint_uri))
    if parts.scheme != "http" or parts.hostname not in _LOOPBACK or kwargs.get("stream"):
        return _make_post_request(self, endpoint_uri, data, **kwargs)
    key = (threading.get_ident(), parts.hostname, parts.port)
    path = parts.path or "/"
    headers = kwargs.get("headers") or {"Content-Type": "application/json"}
    if (connection := _kept_connections.pop(key, None)) is not None:
        try:
            body = _exchange(connection, path, data, headers)
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            pass  # closed by the node while idle (or the node restarted): open a new one
        else:
            _kept_connections[key] = connection
            return body
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=kwargs.get("timeout") or 30)
    try:
        connection.connect()
    except OSError:
        return _make_post_request(self, endpoint_uri, data, **kwargs)
    body = _exchange(connection, path, data, headers)
    _kept_connections[key] = connection
    return body


HTTPSessionManager.make_post_request = _post_over_kept_connection


# ape-foundry prints the call trace of every reverted transaction or call (`trace.show()`): it fetches the trace
# and enriches every frame, asking for each address whether it is a test account (which derives the ten accounts
# from the mnemonic again, each time). Under pytest that output is captured and never read; it made a test that
# expects a revert several seconds slower. The error raised is the same: built and enriched as ape-foundry does.
def _handle_execution_reverted_without_trace(self, exception, revert_message=None, **kwargs):
    if revert_message == "0x":
        revert_message = TransactionError.DEFAULT_MESSAGE
    else:
        revert_message = revert_message or TransactionError.DEFAULT_MESSAGE
    if revert_message.startswith("revert: "):
        revert_message = revert_message[8:]
    error = ContractLogicError(base_err=exception, revert_message=revert_message, **kwargs)
    return self.compiler_manager.enrich_error(error)


FoundryProvider._handle_execution_reverted = _handle_execution_reverted_without_trace

# After every transaction to a contract, Ape fetches its call tree (`trace_transaction`) to print the contracts'
# `console.log` lines; no contract here logs. The tree is still fetched when a test reads a return value.
ape_ethereum.provider._post_send_transaction = lambda txn, receipt: None

# Ape's test-account container derives an account from the mnemonic (PBKDF2 and elliptic-curve steps) on every
# look-up, e.g. for each `address in accounts`: the derivation is deterministic, so it is done once per index.
ape_test.accounts.generate_dev_accounts = functools.lru_cache(maxsize=None)(generate_dev_accounts)


# Ape places each test's fixtures before or after its function snapshot by scope, looking the scope up by name
# among every definition of the session: a function-scoped fixture of one module that shares its name with a
# module-scoped one of another (`short_calls`, `env`, `vault`) was set up before the snapshot, so its
# transactions outlived the test. The scopes come from the definitions the test itself resolves (the last of each
# name's chain, as pytest uses); the list of pytest's built-in fixtures still from the whole session.
def _resolved_fixturedefs(self):
    return {name: defs[-1:] for name, defs in self._item._fixtureinfo.name2fixturedefs.items() if defs}


def _set_builtins_from_the_session(cls, fixture_map):
    definitions = fixture_map._item.session._fixturemanager._arg2fixturedefs
    cls._builtin_fixtures = [
        name for name, defs in definitions.items() if any("pytest" in d.func.__module__ for d in defs)
    ]


ape.pytest.fixtures.FixtureMap._arg2fixturedefs = property(_resolved_fixturedefs)
ape.pytest.fixtures.FixtureManager.set_builtins = classmethod(_set_builtins_from_the_session)
