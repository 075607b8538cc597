"""Shared fixtures: role accounts (session-scoped) and factories for the contracts under test."""

import functools
import os
from pathlib import Path

# Under pytest-xdist (`make test`: `ape test -n N`) every worker is its own Ape process with its own anvil
# (ape-foundry's `host: auto` picks a free port) and its own data folder, where Ape rewrites the list of the node
# processes it started on every connect and disconnect. Set before Ape's config manager first reads it; the
# `ape run` subprocesses of the CLI tests inherit it.
if (_worker := os.environ.get("PYTEST_XDIST_WORKER")) and os.environ.get("APE_DATA_FOLDER"):
    os.environ["APE_DATA_FOLDER"] = str(Path(os.environ["APE_DATA_FOLDER"]) / _worker)

import http.client  # noqa: E402
import threading
import urllib.parse

import ape.contracts.base
import ape.pytest.fixtures
import ape_ethereum.ecosystem
import ape_ethereum.provider
import ape_test.accounts
import pytest
import requests.sessions
from ape.exceptions import ContractLogicError, TransactionError
from ape.utils.testing import generate_dev_accounts
from ape_foundry.provider import FoundryProvider
from web3._utils.http_session_manager import HTTPSessionManager

from deltavault.local.anvil import lean_anvil
from tests.utils.vault import WAD, VaultEnv, default_policy, oracle_config

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
    connection.request("POST", path, body=data, headers=headers)
    response = connection.getresponse()
    body = response.read()
    if response.status >= 400:
        raise requests.exceptions.HTTPError(f"{response.status} {response.reason} for url: {path}")
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
            connection.close()  # closed by the node while idle (or the node restarted): open a new one
        except TimeoutError as err:
            connection.close()
            raise requests.exceptions.ReadTimeout(str(err)) from err
        except BaseException:
            connection.close()
            raise
        else:
            _kept_connections[key] = connection
            return body
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=kwargs.get("timeout") or 30)
    try:
        connection.connect()
    except OSError:
        return _make_post_request(self, endpoint_uri, data, **kwargs)
    try:
        body = _exchange(connection, path, data, headers)
    except TimeoutError as err:
        connection.close()
        raise requests.exceptions.ReadTimeout(str(err)) from err
    except BaseException:
        connection.close()
        raise
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


# pytest-xdist hands out whole modules (`--dist loadfile`) in collection order (`--no-loadscope-reorder`: by
# default it starts with the modules that have the most tests, not the longest). The longest modules (measured
# with `make test-main PYTEST_ARGS="--durations=0"`) start first, so that no worker is left running one of them
# alone at the end; the others keep their order. The order changes no test's outcome.
LONGEST_MODULES = (
    "tests/integration/test_deploy.py",
    "tests/integration/test_morpho_venue.py",
    "tests/integration/test_short_leg.py",
    "tests/unit/test_solc_wrapper.py",
    "tests/unit/test_book.py",
    "tests/unit/test_vault_erc4626.py",
    "tests/integration/test_sdk_install.py",
    "tests/integration/test_governance_cli.py",
    "tests/unit/test_greeks.py",
    "tests/integration/test_wallet_cli.py",
)


def pytest_collection_modifyitems(config, items):
    rank = {path: i for i, path in enumerate(LONGEST_MODULES)}
    items.sort(key=lambda item: rank.get(item.path.relative_to(config.rootpath).as_posix(), len(rank)))


@pytest.fixture(scope="session")
def owner(accounts):
    return accounts[0]


@pytest.fixture(scope="session")
def manager(accounts):
    return accounts[1]


@pytest.fixture(scope="session")
def keeper(accounts):
    return accounts[2]


@pytest.fixture(scope="session")
def depositor(accounts):
    return accounts[3]


@pytest.fixture(scope="session")
def trader(accounts):
    return accounts[4]


@pytest.fixture(scope="session")
def create_token(project, owner):
    def create(name="USD Coin", symbol="USDC", decimals=6):
        return owner.deploy(project.TestERC20, name, symbol, decimals)

    return create


@pytest.fixture
def usdc(create_token):
    return create_token("USD Coin", "USDC", 6)


@pytest.fixture(scope="session")
def guardian(accounts):
    return accounts[5]


@pytest.fixture(scope="session")
def attacker(accounts):
    return accounts[6]


@pytest.fixture(scope="session")
def create_feed(project, owner):
    """A Chainlink-compatible aggregator with a first answer (human units, scaled by its decimals)."""

    def create(answer=2000, decimals=8, description="ETH / USD"):
        feed = owner.deploy(project.TestAggregator, decimals, description)
        if answer is not None:
            feed.pushAnswer(int(answer * 10**decimals), sender=owner)
        return feed

    return create


@pytest.fixture(scope="session")
def greeks_engine(project, owner):
    return owner.deploy(project.GreeksEngine)


@pytest.fixture(scope="session")
def create_vault(project, owner, manager, guardian, create_token, create_feed, greeks_engine):
    """Deploys quote and base tokens, a price feed and a DeltaVault over them; returns a VaultEnv."""

    def create(quote_decimals=6, base_decimals=18, price=2000, vol=0.8, policy=None, oracle=None, base=None):
        quote = create_token("USD Coin", "USDC", quote_decimals)
        base = base or create_token("Wrapped Ether", "WETH", base_decimals)
        feed = create_feed(price)
        oracle = oracle or oracle_config(feed)
        extension = owner.deploy(project.DeltaVaultExtension, quote, base, greeks_engine)
        vault = owner.deploy(
            project.DeltaVault,
            quote,
            base,
            extension,
            "DeltaVault USDC/WETH",
            "dvUSDC",
            oracle,
            policy or default_policy(),
            int(vol * WAD),
            owner,
            manager,
            guardian,
        )
        token = project.OptionToken.at(vault.optionToken())
        return VaultEnv(vault, quote, base, feed, token)

    return create


@pytest.fixture(scope="session", autouse=True)
def _session_height(chain, owner, manager, keeper, depositor, trader, guardian, attacker, create_vault):
    """Every shared session fixture exists before the first module snapshot: one that a module's later test
    requests first makes Ape rebase (restore the module's snapshot and deploy its fixtures again). Returns the
    block height they leave, the height every module starts from."""
    return chain.blocks.height


@pytest.fixture(scope="module", autouse=True)
def _module_starts_clean(request, chain, _session_height):
    """Isolation guard: a module of the main suite starts from the chain the session fixtures left. Ape reverts
    each test (function snapshot) and each module's own fixtures (module snapshot); a deployment or transaction
    that outlived its module would raise the height here. The fork and browser suites keep session state."""
    if {"fork", "browser"} & set(request.path.relative_to(request.config.rootpath).parts):
        return
    assert chain.blocks.height == _session_height, (
        f"{request.path.name} starts at block {chain.blocks.height}, not at {_session_height}: "
        "state from an earlier module leaked"
    )


@pytest.fixture
def env(create_vault):
    return create_vault()


@pytest.fixture
def vault(env):
    return env.vault
