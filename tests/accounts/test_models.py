"""Who may chat: an active account that is an operator, read one account or many at once."""

import pytest

from accounts.models import Operator
from tests.factories import OperatorFactory

pytestmark = pytest.mark.django_db


def test_only_active_operators_may_chat():
    operator = OperatorFactory()
    inactive = OperatorFactory(is_active=False)
    administrator = OperatorFactory(is_operator=False)

    assert [operator.may_chat, inactive.may_chat, administrator.may_chat] == [True, False, False]
    assert list(Operator.objects.may_chat()) == [operator]


def test_the_operator_manager_still_creates_users_and_superusers():
    user = Operator.objects.create_user("ada", password="a long password")
    admin = Operator.objects.create_superuser("grace", password="a long password")

    assert user.check_password("a long password") and not user.is_superuser
    assert admin.is_superuser and admin.is_staff
