"""Shared fixtures: role accounts (session-scoped) and factories for the contracts under test."""

import pytest


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
