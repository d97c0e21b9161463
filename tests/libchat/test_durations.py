"""The one duration formatter: the Transcripts list, the meetings admin and meeting end lines."""

from datetime import timedelta

import pytest

from libchat.core.durations import duration_text


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(seconds=17.058959), "17 s"),
        (timedelta(0), "0 s"),
        (timedelta(seconds=167), "2 min 47 s"),
        (timedelta(minutes=3), "3 min"),
        (timedelta(hours=1, minutes=5, seconds=40), "1 h 5 min"),
        (timedelta(hours=2), "2 h"),
        (None, ""),
    ],
)
def test_durations_read_the_way_people_say_them(delta, text):
    assert duration_text(delta) == text
