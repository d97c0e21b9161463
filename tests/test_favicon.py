"""The LibChat icon in the browser tab: every page links it, /favicon.ico leads to it."""

from xml.etree import ElementTree

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


def test_favicon_ico_redirects_to_the_svg_icon_which_exists(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == "/static/img/favicon.svg"
    assert "max-age=86400" in response["Cache-Control"]
    icon = ElementTree.parse(finders.find("img/favicon.svg")).getroot()
    assert icon.tag == "{http://www.w3.org/2000/svg}svg"


@pytest.mark.parametrize("path", ["/accounts/login/", "/admin/login/"])
def test_pages_link_the_icon(client, path):
    page = client.get(path).content.decode()
    assert '<link rel="icon" href="/static/img/favicon.svg" type="image/svg+xml">' in page
