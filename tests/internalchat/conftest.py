import pytest

from tests.factories import DepartmentRoomFactory, MembershipFactory, OperatorFactory


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def reference(db):
    """The Reference department room with two members, Alice and Bob, and an outsider, Eve."""
    room = DepartmentRoomFactory(department__name="Reference", department__slug="reference")
    alice = OperatorFactory(display_name="Alice")
    bob = OperatorFactory(display_name="Bob")
    eve = OperatorFactory(display_name="Eve")
    for operator in (alice, bob):
        MembershipFactory(department=room.department, operator=operator)
    return room, alice, bob, eve
