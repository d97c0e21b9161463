"""The FAQs button's search."""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from faqs.selectors import faq_search
from libchat.core.decorators import operator_required


@require_GET
@operator_required
def search(request: HttpRequest) -> JsonResponse:
    query = request.GET.get("q", "")[:200]
    return JsonResponse({"faqs": faq_search(query=query, system_id=request.user.system_id)})
