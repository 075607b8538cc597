"""Shared fixtures: role accounts (session-scoped) and factories for the contracts under test."""

import os
from pathlib import Path

# Under pytest-xdist (`make test`: `ape test -n N`) every worker is its own Ape process with its own anvil
# (ape-foundry's `host: auto` picks a free port) and its own data folder, where Ape rewrites the list of the node
# processes it started on every connect and disconnect. Set before Ape's config manager first reads it; the
# `ape run` subprocesses of the CLI tests inherit it.
if (_worker := os.environ.get("PYTEST_XDIST_WORKER")) and os.environ.get("APE_DATA_FOLDER"):
    os.environ["APE_DATA_FOLDER"] = str(Path(os.environ["APE_DATA_FOLDER"]) / _worker)

import pytest  # noqa: E402

import tests.utils.ape_harness  # noqa: F401  (the suites' patches of Ape, before any fixture runs)
from tests.utils.vault import WAD, VaultEnv, default_policy, oracle_config

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
