"""What the reports tests share: the hand-built week of dataset.py, and the library's time zone
(Chicago, so a chat across local midnight is not across UTC's) for the tests that ask for it."""

import pytest

from tests.reports.dataset import week


@pytest.fixture
def chicago(settings):
    settings.TIME_ZONE = "America/Chicago"


@pytest.fixture
def w():
    return week()
