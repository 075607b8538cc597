"""`ape run deploy stack|vault` on a local chain and on an anvil posing as Sepolia (chain id 11155111)."""

import json
import subprocess
import time

import pytest
from eth_account import Account
from web3 import Web3

from deltavault.registry import REQUIRED_DEPLOYMENT_KEYS
from tests.utils.cli import ape_run, free_port

SEPOLIA = 11155111
PASSPHRASE = "correct horse battery staple"


@pytest.fixture(scope="module")
def sepolia_anvil():
    port = free_port()
    proc = subprocess.Popen(
        ["anvil", "--chain-id", str(SEPOLIA), "--port", str(port), "--silent"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    uri = f"http://127.0.0.1:{port}"
    web3 = Web3(Web3.HTTPProvider(uri))
    for _ in range(100):
        try:
            if web3.eth.chain_id == SEPOLIA:
                break
        except Exception:
            time.sleep(0.1)
    yield uri, web3
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="module")
def keyfile_account(tmp_path_factory, sepolia_anvil):
    """An imported keyfile account `deployer` in a private Ape data folder, its passphrase in the environment,
    funded on the Sepolia-like chain."""
    _uri, web3 = sepolia_anvil
    data = tmp_path_factory.mktemp("ape-data")
    (data / "accounts").mkdir()
    acct = Account.create()
    keyfile = Account.encrypt(acct.key, PASSPHRASE)
    (data / "accounts" / "deployer.json").write_text(json.dumps(keyfile))
    web3.provider.make_request("anvil_setBalance", [acct.address, hex(10_000 * 10**18)])
    env = {"APE_DATA_FOLDER": str(data), "APE_ACCOUNTS_deployer_PASSPHRASE": PASSPHRASE}
    return acct.address, env


def sepolia_env(uri, extra):
    # Sepolia normally waits for 2 confirmations; an anvil that mines on demand never gives them.
    return {"APE_ETHEREUM_SEPOLIA": json.dumps({"required_confirmations": 0}), **extra}


def test_deploy_stack__local_chain__writes_the_registry(tmp_path):
    out = tmp_path / "deployments"
    result = ape_run("deploy", "stack", "--network", "ethereum:local:foundry", "--account", "TEST::0",
                     "--liquidity", "1000000", "--out", str(out))  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    record = json.loads((out / "31337.json").read_text())
    assert set(REQUIRED_DEPLOYMENT_KEYS) <= set(record)
    assert record["chainId"] == 31337 and record["lens"] and record["volFeed"]
    assert len(record["series"]) == 6


def test_deploy_stack__short_leg__records_the_lending_market_and_sets_the_venue(tmp_path):
    out = tmp_path / "deployments"
    result = ape_run("deploy", "stack", "--network", "ethereum:local:foundry", "--account", "TEST::0",
                     "--liquidity", "1000000", "--no-series", "--short-leg", "--out", str(out))  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    record = json.loads((out / "31337.json").read_text())
    for key in ("morpho", "morphoIrm", "morphoOracle", "morphoMarketId", "morphoLltv", "borrowVenue"):
        assert record[key], key
    assert record["morphoLltv"] == 86 * 10**16


def test_deploy__sepolia_without_yes_non_interactive__aborts_before_sending(
    tmp_path, sepolia_anvil, keyfile_account
):
    uri, web3 = sepolia_anvil
    address, env = keyfile_account
    result = ape_run("deploy", "stack", "--network", f"ethereum:sepolia:{uri}", "--account", "deployer",
                     "--out", str(tmp_path), env=sepolia_env(uri, env))  # fmt: skip
    assert result.returncode != 0
    assert "refusing to broadcast" in result.stdout + result.stderr
    assert web3.eth.get_transaction_count(address) == 0
    assert not (tmp_path / f"{SEPOLIA}.json").exists()


def test_deploy__sepolia_stack_then_vault__both_write_the_registry(tmp_path, sepolia_anvil, keyfile_account):
    uri, web3 = sepolia_anvil
    address, env = keyfile_account
    env = sepolia_env(uri, env)
    network = f"ethereum:sepolia:{uri}"
    stack_dir, vault_dir = tmp_path / "stack", tmp_path / "vault"
    result = ape_run("deploy", "stack", "--network", network, "--account", "deployer", "--liquidity", "1000000",
                     "--no-series", "--yes", "--out", str(stack_dir), env=env)  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert "About to broadcast on chain 11155111" in result.stdout
    stack = json.loads((stack_dir / f"{SEPOLIA}.json").read_text())
    assert stack["deployer"] == address

    # The "public" addresses for `deploy vault`: what the stack put on this chain; the pool is found on the factory.
    net = {
        key: stack[key] for key in ("baseToken", "quoteToken", "swapRouter", "uniswapFactory", "priceFeed")
    }
    net.update(chainId=SEPOLIA, pool=None, poolFee=3000, priceMaxAge=3600, volFeed=None)
    config = tmp_path / "sepolia.json"
    config.write_text(json.dumps(net))
    result = ape_run("deploy", "vault", "--network", network, "--account", "deployer", "--config", str(config),
                     "--yes", "--out", str(vault_dir), env=env)  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    record = json.loads((vault_dir / f"{SEPOLIA}.json").read_text())
    assert set(REQUIRED_DEPLOYMENT_KEYS) <= set(record)
    assert record["pool"] == stack["pool"] and record["volFeed"] is None
    assert record["vault"] != stack["vault"] and web3.eth.get_code(record["hedger"])


def test_deploy_vault__missing_address__fails_with_a_clear_message(tmp_path, sepolia_anvil, keyfile_account):
    uri, _web3 = sepolia_anvil
    _address, env = keyfile_account
    config = tmp_path / "incomplete.json"
    config.write_text(json.dumps({"chainId": SEPOLIA, "baseToken": None, "quoteToken": None, "swapRouter": None,
                                  "priceFeed": None, "pool": None, "uniswapFactory": None}))  # fmt: skip
    result = ape_run("deploy", "vault", "--network", f"ethereum:sepolia:{uri}", "--account", "deployer",
                     "--config", str(config), "--yes", "--out", str(tmp_path), env=sepolia_env(uri, env))  # fmt: skip
    assert result.returncode != 0
    assert "baseToken" in result.stdout + result.stderr and "unknown (null)" in result.stdout + result.stderr
