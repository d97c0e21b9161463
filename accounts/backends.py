"""The sign-in backend: Django's, with the operator loaded as every page needs them."""

from django.contrib.auth.backends import ModelBackend
from django.db.models import Exists, OuterRef

from accounts.models import Operator
from systems.models import CoopMembership


class OperatorBackend(ModelBackend):
    """Loads the operator of a request with `in_coop` (their library system belongs to a co-op)
    in the same one query, so the Settings tab offers the co-op queue toggle at no cost."""

    def get_user(self, user_id):
        in_coop = Exists(CoopMembership.objects.filter(system_id=OuterRef("system_id")))
        user = Operator._default_manager.annotate(in_coop=in_coop).filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
