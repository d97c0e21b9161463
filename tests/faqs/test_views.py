"""The FAQs button searches public FAQ groups only."""

import pytest
from django.urls import reverse

from tests.factories import FaqFactory, OperatorFactory

pytestmark = pytest.mark.django_db


def test_search_finds_public_faqs_only(client):
    FaqFactory(question="What are the opening hours?", group__public=True)
    FaqFactory(question="Staff-only opening hours?", group__public=False)
    client.force_login(OperatorFactory())
    faqs = client.get(reverse("faqs:search"), {"q": "opening hours"}).json()["faqs"]
    assert [f["question"] for f in faqs] == ["What are the opening hours?"]
    assert faqs[0]["link"] == "https://library.example/faq"


def test_search_needs_an_operator(client):
    assert client.get(reverse("faqs:search"), {"q": "x"}).status_code == 302
