"""The offline compiler front end answers the native CLI that Ape, forge and slither use."""

import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VERSION = json.loads((ROOT / "node_modules" / "solc" / "package.json").read_text())["version"]


def _solc(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    solcx = Path(os.environ.get("SOLCX_BINARY_PATH", ROOT / ".solcx"))
    return subprocess.run(
        [str(solcx / f"solc-v{VERSION}"), *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def test_solc__version__native_form():
    out = _solc("--version")
    assert out.returncode == 0
    assert out.stdout.splitlines()[0] == "solc, the solidity compiler commandline interface"
    assert out.stdout.splitlines()[1].startswith(f"Version: {VERSION}+commit.")
    assert out.stdout.strip().endswith(".Linux.g++")


def test_solc__standard_json__compiles_with_imports_from_base_path():
    source = 'pragma solidity ^0.8.0; import "@openzeppelin/contracts/utils/math/Math.sol"; contract A { function f(uint256 x) external pure returns (uint256) { return Math.sqrt(x); } }'
    request = {
        "language": "Solidity",
        "sources": {"A.sol": {"content": source}},
        "settings": {
            "remappings": ["@openzeppelin/contracts=node_modules/@openzeppelin/contracts"],
            "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object"]}},
        },
    }
    out = _solc("--standard-json", "--base-path", str(ROOT), stdin=json.dumps(request))
    assert out.returncode == 0
    result = json.loads(out.stdout)
    assert not [e for e in result.get("errors", []) if e["severity"] == "error"]
    assert result["contracts"]["A.sol"]["A"]["abi"][0]["name"] == "f"
    assert len(result["contracts"]["A.sol"]["A"]["evm"]["bytecode"]["object"]) > 100


def test_solc__combined_json__serves_slither_style_calls():
    out = _solc(
        "@openzeppelin/contracts=node_modules/@openzeppelin/contracts",
        "contracts/test/TestERC20.sol",
        "--combined-json",
        "abi,ast,bin,bin-runtime,srcmap,srcmap-runtime,userdoc,devdoc,hashes",
        "--allow-paths",
        ".",
    )
    assert out.returncode == 0, out.stderr
    combined = json.loads(out.stdout)
    key = "contracts/test/TestERC20.sol:TestERC20"
    assert key in combined["contracts"]
    contract = combined["contracts"][key]
    assert {"abi", "bin", "bin-runtime", "srcmap", "hashes"} <= contract.keys()
    assert contract["hashes"]["mint(address,uint256)"] == "40c10f19"
    assert "AST" in combined["sources"]["contracts/test/TestERC20.sol"]
    assert combined["version"].startswith(VERSION)


# ---------------------------------------------------------------- the second compiler (Morpho Blue's 0.8.19)

MORPHO_VERSION = json.loads((ROOT / "node_modules" / "solc-0.8.19" / "package.json").read_text())["version"]


def _solc_version(version: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    solcx = Path(os.environ.get("SOLCX_BINARY_PATH", ROOT / ".solcx"))
    return subprocess.run(
        [str(solcx / f"solc-v{version}"), *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )


def _request(source: str, **settings) -> str:
    return json.dumps(
        {
            "language": "Solidity",
            "sources": {"A.sol": {"content": source}},
            "settings": {"outputSelection": {"*": {"*": ["abi", "evm.bytecode.object"]}}, **settings},
        }
    )


@pytest.mark.parametrize("version", [VERSION, MORPHO_VERSION])
def test_solc__each_registered_version__answers_its_own_native_version(version):
    out = _solc_version(version, "--version")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0] == "solc, the solidity compiler commandline interface"
    assert lines[1].startswith(f"Version: {version}+commit.")
    assert out.stdout.strip().endswith(".Linux.g++")


def test_solc__both_versions_registered__default_link_is_the_project_compiler():
    solcx = Path(os.environ.get("SOLCX_BINARY_PATH", ROOT / ".solcx"))
    assert MORPHO_VERSION != VERSION
    assert os.access(solcx / f"solc-v{MORPHO_VERSION}", os.X_OK)
    assert (solcx / "solc").resolve() == (solcx / f"solc-v{VERSION}").resolve()


@pytest.mark.parametrize(
    ("version", "pragma", "compiles"),
    [
        (MORPHO_VERSION, "0.8.19", True),
        (MORPHO_VERSION, "^0.8.24", False),
        (VERSION, "0.8.19", False),
        (VERSION, "^0.8.24", True),
    ],
)
def test_solc__standard_json__compiles_with_the_module_of_its_version(version, pragma, compiles):
    source = f"pragma solidity {pragma}; contract A {{ function f() external pure returns (uint256) {{ return 1; }} }}"
    out = _solc_version(version, "--standard-json", "--base-path", str(ROOT), stdin=_request(source))
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    errors = [e["message"] for e in result.get("errors", []) if e["severity"] == "error"]
    if compiles:
        assert not errors
        assert result["contracts"]["A.sol"]["A"]["evm"]["bytecode"]["object"]
    else:
        assert errors and "requires different compiler version" in errors[0]


def test_solc__morpho_blue__compiles_with_0_8_19_and_its_relative_imports():
    # Without via-IR for speed: deltavault.local.lending builds with Morpho's own settings (tests/unit/test_morpho_lending.py).
    source = (ROOT / "node_modules/@morpho-org/morpho-blue/src/Morpho.sol").read_text()
    request = {
        "language": "Solidity",
        "sources": {"src/Morpho.sol": {"content": source}},
        "settings": {
            "optimizer": {"enabled": True, "runs": 200},
            "evmVersion": "paris",
            "outputSelection": {"src/Morpho.sol": {"Morpho": ["evm.deployedBytecode.object"]}},
        },
    }
    base = str(ROOT / "node_modules/@morpho-org/morpho-blue")
    out = _solc_version(MORPHO_VERSION, "--standard-json", "--base-path", base, stdin=json.dumps(request))
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert not [e for e in result.get("errors", []) if e["severity"] == "error"]
    runtime = result["contracts"]["src/Morpho.sol"]["Morpho"]["evm"]["deployedBytecode"]["object"]
    assert 15_000 < len(runtime) // 2 <= 24_576
    assert "src/interfaces/IMorpho.sol" in result["sources"]


def test_solc__unknown_version__one_line_message():
    out = subprocess.run(
        ["node", str(ROOT / "tools/solc/solc.js"), "--version"],
        env={**os.environ, "SOLCJS_VERSION": "0.7.6"},
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert out.returncode == 2
    assert out.stdout == ""
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("solc 0.7.6: no solcjs module of that version in node_modules")
    assert f"solc@{VERSION}" in lines[0]
