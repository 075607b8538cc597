"""The package works installed, outside this repository: a wheel built from the sources, installed with
`pip --no-deps` into a fresh virtual environment (its dependencies come from the project's environment through a
`.pth` line, no network), imported from a directory outside the checkout, reads the vault deployed on anvil."""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

READ_VAULT = textwrap.dedent(
    """
    import json, sys
    from ape import networks
    import deltavault
    from deltavault import Vault

    uri, address = sys.argv[1], sys.argv[2]
    with networks.parse_network_choice(f"ethereum:local:{uri}"):
        vault = Vault.at(address)
        status = vault.status()
        series = vault.all_series()
        print(json.dumps({
            "module": deltavault.__file__,
            "symbol": vault.quote.symbol,
            "spot": str(status.spot),
            "nav": str(status.nav),
            "series": [[s.id, s.kind, str(s.strike), s.expiry.isoformat()] for s in series],
            "quote": str(vault.quote_buy(2, 1).premium),
            "policy": type(vault.policy()).__name__,
            "hedge_rule": status.hedge.rule.name,
            "local_modules": sorted(m for m in sys.modules if m.startswith("deltavault.local")),
        }))
    """
)


@pytest.fixture(scope="module")
def installed_python(tmp_path_factory):
    """A fresh venv holding only the wheel of this package; returns its python."""
    work = tmp_path_factory.mktemp("install")
    source = work / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "deltavault", source / "deltavault", ignore=shutil.ignore_patterns("__pycache__"))
    wheels = work / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "-w", str(wheels), str(source)], check=True, capture_output=True, timeout=300)  # fmt: skip
    (wheel,) = wheels.glob("deltavault-*.whl")
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    purelib = Path(subprocess.check_output([str(python), "-c",
                   "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True).strip())  # fmt: skip
    # The dependencies (Ape, web3, ...) are the project's; the project's own editable deltavault is not, because
    # a .pth line adds a directory without running the .pth files (the editable finder) inside it.
    project_site = sysconfig.get_paths()["purelib"]
    (purelib / "project-deps.pth").write_text(project_site + "\n")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(purelib),
                    str(wheel)], check=True, capture_output=True, timeout=300)  # fmt: skip

    return python


def test_installed_package__outside_the_repository__reads_the_deployed_vault(installed_python, deployed, chain,
                                                                                  tmp_path):  # fmt: skip
    script = tmp_path / "read_vault.py"
    script.write_text(READ_VAULT)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update({"APE_DISABLE_TELEMETRY": "1", "APE_DATA_FOLDER": str(tmp_path / "ape")})
    result = subprocess.run([str(installed_python), str(script), chain.provider.uri, deployed.system.vault.address],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    data = json.loads(result.stdout.strip().splitlines()[-1])
    assert not data["module"].startswith(str(ROOT)), data["module"]  # the installed copy, not the checkout
    assert data["local_modules"] == []  # the repository's local market is never loaded by the SDK
    assert data["symbol"] == "USDC" and data["spot"] == "2000" and data["policy"] == "VaultPolicy"
    assert [row[0] for row in data["series"]] == [1, 2, 3, 4, 5, 6]
    assert data["series"][1][1:3] == ["call", "2000"]
    assert float(data["quote"]) == deployed.system.vault.quoteBuy(2, 10**18) / 10**6
