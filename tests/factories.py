"""factory-boy factories for the test suite."""

from functools import cache

import factory
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from accounts.models import DashboardConnection, LibChatSession, Operator
from departments.models import Department, Membership
from internalchat.search import body_plain_text
from widgets.models import Widget, WidgetFallback

PASSWORD = "correct horse battery staple"


@cache
def password_hash() -> str:
    """PASSWORD hashed once, with the real hasher, for every operator: hashing it per operator
    cost ~0.5 s each (Django's PBKDF2 work factor), minutes of the suite. A daphne the browser
    tests start checks it at sign-in like any other hash."""
    return make_password(PASSWORD)


class OperatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Operator
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"operator{n}")
    display_name = factory.Sequence(lambda n: f"Operator {n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@library.example")
    password = factory.LazyFunction(password_hash)


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    name = factory.Sequence(lambda n: f"Department {n}")
    slug = factory.Sequence(lambda n: f"department-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    department = factory.SubFactory(DepartmentFactory)
    operator = factory.SubFactory(OperatorFactory)
    monitoring = True


class LibChatSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LibChatSession

    operator = factory.SubFactory(OperatorFactory)
    browser_key = factory.Sequence(lambda n: f"browser{n:027d}")


class DashboardConnectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DashboardConnection

    operator = factory.SubFactory(OperatorFactory)
    channel_name = factory.Sequence(lambda n: f"specific.test!{n}")
    browser_key = factory.Sequence(lambda n: f"browser{n:027d}")
    last_seen = factory.LazyFunction(timezone.now)


class WidgetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Widget

    name = factory.Sequence(lambda n: f"Widget {n}")
    allowed_origins = "https://www.library.example"
    first_department = factory.SubFactory(DepartmentFactory)


class WidgetFallbackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WidgetFallback

    widget = factory.SubFactory(WidgetFactory)
    position = factory.Sequence(lambda n: n + 1)
    department = factory.SubFactory(DepartmentFactory)


class DepartmentRoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "internalchat.Room"
        django_get_or_create = ("kind", "department")  # a new department has its room already

    kind = "department"
    department = factory.SubFactory(DepartmentFactory)


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "internalchat.Message"

    room = factory.SubFactory(DepartmentRoomFactory)
    sender = factory.SubFactory(OperatorFactory)
    body = factory.Sequence(lambda n: f"Message {n}")
    body_text = factory.LazyAttribute(lambda m: body_plain_text(m.body))
    client_msg_id = factory.Sequence(lambda n: f"client-{n}")


class FaqGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "faqs.FaqGroup"

    name = factory.Sequence(lambda n: f"FAQ group {n}")
    public = True


class FaqFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "faqs.Faq"

    group = factory.SubFactory(FaqGroupFactory)
    question = factory.Sequence(lambda n: f"Question {n}?")
    answer = "The answer."
    link = "https://library.example/faq"


class SystemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "systems.System"

    name = factory.Sequence(lambda n: f"Library system {n}")
    slug = factory.Sequence(lambda n: f"system-{n}")


class CoopFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "systems.Coop"

    name = factory.Sequence(lambda n: f"Co-op {n}")
    slug = factory.Sequence(lambda n: f"coop-{n}")


class CoopMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "systems.CoopMembership"

    coop = factory.SubFactory(CoopFactory)
    system = factory.SubFactory(SystemFactory)
