"""The offline compiler front end answers the native CLI that Ape, forge and slither use."""

import json
import os
import subprocess
from pathlib import Path

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
