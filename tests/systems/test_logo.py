"""A library system's logo in its widgets' header: shown with the system's name as its text,
served from LibChat's own origin (which the page's CSP allows), and nothing without one."""

import re
import struct
import zlib

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from tests.factories import SystemFactory, WidgetFactory

pytestmark = pytest.mark.django_db


def logo_png(width: int = 160, height: int = 40) -> bytes:
    """A plain PNG banner: a dark blue band with a lighter stripe, big enough to see."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    rows = b"".join(
        b"\x00"
        + (b"\x3c\x8d\xd9" if height // 3 <= y < 2 * height // 3 else b"\x1b\x36\x6b") * width
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _header(page: str) -> str:
    return page[page.index("<header>") : page.index("</header>")]


def test_the_widget_header_shows_its_systems_logo_served_from_libchat(client):
    system = SystemFactory(name="Avon Libraries")
    system.logo.save("avon.png", ContentFile(logo_png()))
    widget = WidgetFactory(system=system)

    response = client.get(reverse("widgets:frame", args=[widget.pk]))
    logo_url = reverse("widgets:logo", args=[widget.pk])
    img = re.search(r"<img [^>]*>", _header(response.content.decode()))
    assert img is not None
    assert f'src="{logo_url}?v=' in img.group() and 'alt="Avon Libraries"' in img.group()
    # The page's CSP lets it load images from its own origin, where the logo is.
    img_src = re.search(r"img-src ([^;]*)", response["Content-Security-Policy"]).group(1)
    assert "'self'" in img_src.split()

    served = client.get(logo_url)
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert b"".join(served.streaming_content) == logo_png()


def test_without_a_logo_the_header_has_no_image_and_the_address_finds_none(client):
    widget = WidgetFactory(system=SystemFactory(name="Bexley Libraries"))
    page = client.get(reverse("widgets:frame", args=[widget.pk])).content.decode()
    assert "<img" not in _header(page)
    assert client.get(reverse("widgets:logo", args=[widget.pk])).status_code == 404
    widget.active = False
    widget.save(update_fields=["active"])
    widget.system.logo.save("bexley.png", ContentFile(logo_png()))
    assert client.get(reverse("widgets:logo", args=[widget.pk])).status_code == 404


def test_a_replaced_logo_has_a_new_address_so_no_browser_keeps_showing_the_old_one(client):
    system = SystemFactory(name="Avon Libraries")
    system.logo.save("avon.png", ContentFile(logo_png()))
    widget = WidgetFactory(system=system)

    def logo_src() -> str:
        page = client.get(reverse("widgets:frame", args=[widget.pk])).content.decode()
        return re.search(r'<img [^>]*src="([^"]*)"', _header(page)).group(1)

    before = logo_src()
    system.logo.save("avon.png", ContentFile(logo_png(width=200)))  # the same file name again
    after = logo_src()

    assert before != after
    assert after.startswith(reverse("widgets:logo", args=[widget.pk]) + "?v=")
    served = client.get(after)
    assert served["Cache-Control"] == "public, max-age=86400"
    assert b"".join(served.streaming_content) == logo_png(width=200)
