"""What the accounts tests share: an operator, and a client logged in as them."""

import pytest

from tests.factories import OperatorFactory


@pytest.fixture
def operator():
    return OperatorFactory()


@pytest.fixture
def client_in(client, operator):
    client.force_login(operator)
    return client
