"""Reads of FAQs: what the FAQs button may offer (public groups only)."""

from django.db.models import Q

from faqs.models import Faq

SEARCH_LIMIT = 10


def faq_search(*, query: str, system_id: int | None = None) -> list[dict]:
    """Public FAQs matching every word (of one system's groups, given its id)."""
    faqs = Faq.objects.filter(group__public=True).select_related("group")
    if system_id is not None:
        faqs = faqs.filter(group__system_id=system_id)
    for word in query.split()[:8]:
        faqs = faqs.filter(Q(question__icontains=word) | Q(answer__icontains=word))
    return [
        {
            "id": f.pk,
            "question": f.question,
            "answer": f.answer,
            "link": f.link,
            "group": f.group.name,
        }
        for f in faqs.order_by("question")[:SEARCH_LIMIT]
    ]
