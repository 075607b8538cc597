"""`ape run deploy stack|vault` on a local chain and on an anvil posing as Sepolia (chain id 11155111), including
`deploy vault --short-leg` against a Morpho Blue deployed there first (the network file pointed at it).

The commands run in-process (tests/utils/cli.py `invoke`), the Sepolia ones with the keyfile account in a private
Ape data folder; two run the real `ape run deploy` in a subprocess: a whole stack on a local chain that ape-foundry
starts, and a Sepolia deployment refused without `--yes` when stdin is not a terminal."""

import json
import subprocess
import time
from pathlib import Path

import pytest
from eth_account import Account
from web3 import Web3

from deltavault.registry import REQUIRED_DEPLOYMENT_KEYS
from tests.utils.cli import ape_run, free_port, invoke, ok, one_line_error

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
    keyfile = Account.encrypt(acct.key, PASSPHRASE, iterations=2**12)  # scrypt, cheaper than the default
    (data / "accounts" / "deployer.json").write_text(json.dumps(keyfile))
    web3.provider.make_request("anvil_setBalance", [acct.address, hex(10_000 * 10**18)])
    env = {"APE_DATA_FOLDER": str(data), "APE_ACCOUNTS_deployer_PASSPHRASE": PASSPHRASE}
    return acct.address, env


@pytest.fixture(scope="module", autouse=True)
def sepolia_without_confirmations():
    """Sepolia normally waits for 2 confirmations; an anvil that mines on demand never gives them."""
    from ape import config

    sepolia = config.get_config("ethereum").get("sepolia")
    before = sepolia.required_confirmations
    sepolia.required_confirmations = 0
    yield
    sepolia.required_confirmations = before


def sepolia_env(uri, extra):
    # The same for a new process.
    return {"APE_ETHEREUM_SEPOLIA": json.dumps({"required_confirmations": 0}), **extra}


def deploy(uri, env, *args):
    """`ape run deploy <args> --network ethereum:sepolia:<uri> --account deployer` in-process, with the keyfile
    account's data folder and passphrase."""
    return invoke("deploy", *args, "--network", f"ethereum:sepolia:{uri}", "--account", "deployer",
                  env={"APE_ACCOUNTS_deployer_PASSPHRASE": env["APE_ACCOUNTS_deployer_PASSPHRASE"]},
                  ape_data=Path(env["APE_DATA_FOLDER"]))  # fmt: skip


def test_deploy_stack__local_chain__writes_the_registry(tmp_path):
    # The real entry point, in a subprocess: ape-foundry starts its own anvil for `ethereum:local:foundry`.
    out = tmp_path / "deployments"
    result = ape_run("deploy", "stack", "--network", "ethereum:local:foundry", "--account", "TEST::0",
                     "--liquidity", "1000000", "--out", str(out))  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    record = json.loads((out / "31337.json").read_text())
    assert set(REQUIRED_DEPLOYMENT_KEYS) <= set(record)
    assert record["chainId"] == 31337 and record["lens"] and record["volFeed"]
    assert len(record["series"]) == 6


def test_deploy_stack__short_leg__records_the_lending_market_and_sets_the_venue(tmp_path):
    # In-process, on a new local chain that ape-foundry starts (and stops) for the command, as `ape run` would.
    out = tmp_path / "deployments"
    result = invoke("deploy", "stack", "--network", "ethereum:local:foundry", "--account", "TEST::0",
                    "--liquidity", "1000000", "--no-series", "--short-leg", "--out", str(out))  # fmt: skip
    ok(result)
    record = json.loads((out / "31337.json").read_text())
    for key in ("morpho", "morphoIrm", "morphoOracle", "morphoMarketId", "morphoLltv", "borrowVenue"):
        assert record[key], key
    assert record["morphoLltv"] == 86 * 10**16 and record["network"].startswith("ethereum:local")


def test_deploy__sepolia_without_yes_non_interactive__aborts_before_sending(
    tmp_path, sepolia_anvil, keyfile_account
):
    # The real entry point, in a subprocess with stdin not a terminal: the keyfile account from APE_DATA_FOLDER.
    uri, web3 = sepolia_anvil
    address, env = keyfile_account
    result = ape_run("deploy", "stack", "--network", f"ethereum:sepolia:{uri}", "--account", "deployer",
                     "--out", str(tmp_path), env=sepolia_env(uri, env))  # fmt: skip
    assert "refusing to broadcast" in one_line_error(result)
    assert web3.eth.get_transaction_count(address) == 0
    assert not (tmp_path / f"{SEPOLIA}.json").exists()


def test_deploy__sepolia_stack_then_vault__both_write_the_registry(tmp_path, sepolia_anvil, keyfile_account):
    uri, web3 = sepolia_anvil
    address, env = keyfile_account
    stack_dir, vault_dir = tmp_path / "stack", tmp_path / "vault"
    args = ("--liquidity", "1000000", "--no-series", "--yes", "--out", str(stack_dir))
    result = deploy(uri, env, "stack", *args)
    ok(result)
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
    ok(deploy(uri, env, "vault", "--config", str(config), "--yes", "--out", str(vault_dir)))
    record = json.loads((vault_dir / f"{SEPOLIA}.json").read_text())
    assert set(REQUIRED_DEPLOYMENT_KEYS) <= set(record)
    assert record["pool"] == stack["pool"] and record["volFeed"] is None
    assert record["vault"] != stack["vault"] and web3.eth.get_code(record["hedger"])


def test_deploy_vault__missing_address__fails_with_a_clear_message(tmp_path, sepolia_anvil, keyfile_account):
    uri, web3 = sepolia_anvil
    address, env = keyfile_account
    config = tmp_path / "incomplete.json"
    config.write_text(json.dumps({"chainId": SEPOLIA, "baseToken": None, "quoteToken": None, "swapRouter": None,
                                  "priceFeed": None, "pool": None, "uniswapFactory": None}))  # fmt: skip
    nonce = web3.eth.get_transaction_count(address)
    line = one_line_error(deploy(uri, env, "vault", "--config", str(config), "--yes", "--out", str(tmp_path)))
    assert "baseToken" in line and "unknown (null)" in line
    assert web3.eth.get_transaction_count(address) == nonce


# ---------------------------------------------------------------------------------------------------------
# deploy vault --short-leg: the network file's Morpho Blue
# ---------------------------------------------------------------------------------------------------------

MORPHO_ABI = [
    {"type": "function", "name": "market", "stateMutability": "view", "inputs": [{"name": "id", "type": "bytes32"}],
     "outputs": [{"name": n, "type": "uint128"} for n in ("supplyAssets", "supplyShares", "borrowAssets",
                                                          "borrowShares", "lastUpdate", "fee")]},
    {"type": "function", "name": "idToMarketParams", "stateMutability": "view",
     "inputs": [{"name": "id", "type": "bytes32"}],
     "outputs": [{"name": n, "type": t} for n, t in (("loanToken", "address"), ("collateralToken", "address"),
                                                     ("oracle", "address"), ("irm", "address"), ("lltv", "uint256"))]},
]  # fmt: skip
VAULT_ABI = [{"type": "function", "name": "borrowVenue", "stateMutability": "view", "inputs": [],
              "outputs": [{"name": "", "type": "address"}]}]  # fmt: skip
HEDGER_ABI = [{"type": "function", "name": "shortPolicy", "stateMutability": "view", "inputs": [],
               "outputs": [{"name": "", "type": "tuple", "components": [
                   {"name": "targetLtv", "type": "uint64"}, {"name": "maxLtv", "type": "uint64"},
                   {"name": "maxBaseOwed", "type": "uint128"}]}]}]  # fmt: skip
WAD = 10**18


@pytest.fixture(scope="module")
def sepolia_morpho(tmp_path_factory, sepolia_anvil, keyfile_account):
    """A market and a Morpho Blue on the Sepolia-like chain, deployed first (`deploy stack --short-leg`: Morpho
    with a LinearIrm and the LLTV 0.86 enabled); returns the network file for `deploy vault` naming them."""
    uri, _web3 = sepolia_anvil
    _address, env = keyfile_account
    out = tmp_path_factory.mktemp("morpho-stack")
    args = ("--liquidity", "1000000", "--no-series", "--short-leg", "--yes", "--out", str(out))
    ok(deploy(uri, env, "stack", *args))
    stack = json.loads((out / f"{SEPOLIA}.json").read_text())
    keys = (
        "baseToken",
        "quoteToken",
        "swapRouter",
        "uniswapFactory",
        "pool",
        "priceFeed",
        "morpho",
        "morphoIrm",
    )
    net = {key: stack[key] for key in keys}
    net.update(chainId=SEPOLIA, poolFee=3000, priceMaxAge=3600, volFeed=None, morphoOracleFactory=None)
    return net, stack


def deploy_vault(tmp_path, uri, env, net, *args, name="sepolia.json"):
    config = tmp_path / name
    config.write_text(json.dumps(net))
    out = tmp_path / f"out-{name}"
    result = deploy(uri, env, "vault", "--config", str(config), "--yes", "--out", str(out), *args)
    record = out / f"{SEPOLIA}.json"
    return result, json.loads(record.read_text()) if record.is_file() else None


def test_deploy_vault__short_leg__market_venue_and_policy_on_the_network_files_morpho(
    tmp_path, sepolia_anvil, keyfile_account, sepolia_morpho
):
    uri, web3 = sepolia_anvil
    _address, env = keyfile_account
    net, stack = sepolia_morpho
    result, record = deploy_vault(tmp_path, uri, env, net, "--short-leg", "--target-ltv", "0.4",
                                  "--max-ltv", "0.55", "--max-owed", "250")  # fmt: skip
    ok(result)
    assert "create (or reuse) the market lending baseToken against quoteToken at LLTV 0.86" in result.stdout
    assert (record["morpho"], record["morphoIrm"], record["morphoLltv"]) == (
        net["morpho"],
        net["morphoIrm"],
        86 * WAD // 100,
    )
    assert record["morphoOracle"] != stack["morphoOracle"]  # this vault's own oracle: a new market
    morpho = web3.eth.contract(address=record["morpho"], abi=MORPHO_ABI)
    market_id = bytes.fromhex(record["morphoMarketId"][2:])
    assert morpho.functions.market(market_id).call()[4] > 0  # created (lastUpdate)
    assert morpho.functions.idToMarketParams(market_id).call() == [
        record["baseToken"], record["quoteToken"], record["morphoOracle"], record["morphoIrm"], 86 * WAD // 100
    ]  # fmt: skip
    vault = web3.eth.contract(address=record["vault"], abi=VAULT_ABI)
    assert vault.functions.borrowVenue().call() == record["borrowVenue"]
    assert web3.eth.get_code(record["borrowVenue"])
    hedger = web3.eth.contract(address=record["hedger"], abi=HEDGER_ABI)
    assert hedger.functions.shortPolicy().call() == (4 * WAD // 10, 55 * WAD // 100, 250 * WAD)

    # A second vault reusing that oracle lands on the same market (created once) with its own venue.
    result, second = deploy_vault(tmp_path, uri, env, net, "--short-leg", "--morpho-oracle", record["morphoOracle"],
                                  name="again.json")  # fmt: skip
    ok(result)
    assert "reuse ChainlinkMorphoOracle" in result.stdout
    assert second["morphoMarketId"] == record["morphoMarketId"]
    assert second["borrowVenue"] != record["borrowVenue"] and second["vault"] != record["vault"]


@pytest.mark.parametrize(
    ("change", "args", "message"),
    [
        ({"morpho": None}, (), "no Morpho Blue address (`morpho` is null) for chain 11155111"),
        ({"morpho": "0x000000000000000000000000000000000000dEaD"}, (), "no contract at morpho 0x000000000000000000000000000000000000dEaD"),
        ({}, ("--lltv", "0.77"), "has not enabled the LLTV 0.77"),
        ({"morphoIrm": "price feed"}, (), "has not enabled the IRM"),
        ({"morpho": "price feed"}, (), "is not Morpho Blue"),
    ],
    ids=["morpho-null", "no-code", "lltv-not-enabled", "irm-not-enabled", "not-morpho"],
)  # fmt: skip
def test_deploy_vault__short_leg_bad_input__one_line_error_nothing_sent(
    change, args, message, tmp_path, sepolia_anvil, keyfile_account, sepolia_morpho
):
    uri, web3 = sepolia_anvil
    address, env = keyfile_account
    net, _stack = sepolia_morpho
    net = {**net, **{k: net["priceFeed"] if v == "price feed" else v for k, v in change.items()}}
    nonce = web3.eth.get_transaction_count(address)
    result, record = deploy_vault(tmp_path, uri, env, net, "--short-leg", *args)
    line = one_line_error(result)
    assert message in line, result.describe()
    assert line in result.stderr.splitlines()
    assert web3.eth.get_transaction_count(address) == nonce and record is None
