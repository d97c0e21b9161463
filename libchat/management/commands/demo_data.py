"""Create the demo site: two departments, an admin and four operators, their internal chat rooms
with a few messages, a public FAQ group, canned replies (shared and Alice's own), chat tags (the
library's own three, and the READ scale switched on), a demo widget, and a second library in a
co-op with the demo library, whose operator answers the co-op queue (idempotent)."""

from django.core.management import BaseCommand
from django.db import transaction

from accounts.models import Operator
from canned import services as canned_services
from canned.models import CannedReply
from chats import services as chat_services
from chats.models import ChatTag
from departments.models import Department
from departments.services import membership_add
from faqs.models import Faq, FaqGroup
from internalchat import services as internalchat_services
from libchat.core.models import SiteSettings
from systems.models import Coop, CoopMembership, System
from systems.selectors import default_system
from widgets.demo import DEMO_OPENING_HOURS, demo_widget_coop_fallback_ensure, demo_widget_ensure

ADMIN = ("admin", "Site Admin", "libchat-admin")
OPERATORS = [
    # username, display name, departments
    ("alice", "Alice Reference", ["reference"]),
    ("bob", "Bob Circulation", ["circulation"]),
    ("carol", "Carol Both", ["reference", "circulation"]),
    ("dave", "Dave Reference", ["reference"]),
]
OPERATOR_PASSWORD = "libchat-demo"
DEPARTMENTS = [("reference", "Reference"), ("circulation", "Circulation")]
# room ("all_staff" or a department slug), sender, body; each stored once (client_msg_id)
INTERNAL_MESSAGES = [
    ("all_staff", "alice", "Good morning everyone! The <b>printer on floor 2</b> is fixed."),
    ("reference", "dave", "Anyone know where the <i>1950s city directories</i> are shelved?"),
    ("reference", "alice", "Special Collections, range 12. Patrons need to ask at the desk."),
    ("circulation", "bob", "Reminder: the self-checkout restarts at 8 pm tonight."),
]
FAQ_GROUP = "Library basics"
FAQS = [
    ("What are the library's opening hours?", DEMO_OPENING_HOURS, "https://library.example/hours"),
    ("How do I renew a book?", "Sign in to your account and choose Renew next to the item, or "
     "ask at the circulation desk.", "https://library.example/renew"),
    ("Can I book a study room?", "Yes: up to 3 hours a day, booked online up to a week ahead.",
     "https://library.example/rooms"),
]  # fmt: skip
LIBRARY_NAME = "Springfield Public Library"  # as the demo library page says
# scope (None: everyone, a department slug, or "@username" for a personal one), title, shortcut,
# body
CANNED_REPLIES = [
    (None, "Welcome", "hi", "Hi {patron_name}, this is {operator_name} at {library_name}. "
     "How can I help?"),
    (None, "Anything else?", "else", "Is there anything else I can help you with today?"),
    (None, "Goodbye", "bye", "Thanks for chatting with {library_name}, {patron_name}. "
     "Come back any time on <b>{widget_title}</b>."),
    ("reference", "Searching the catalogue", "catalog", "You can search the catalogue at "
     "https://library.example/catalog: type a title, an author or a subject."),
    ("circulation", "Renewals", "renew", "Sign in to your account and choose <b>Renew</b> "
     "next to the item. Items can be renewed twice."),
    ("@alice", "One moment", "wait", "Let me check that for you, {patron_name}: one moment."),
]  # fmt: skip


# The co-op: the demo library and a neighbour, whose one operator monitors the co-op queue and so
# answers the demo widget's patrons when nobody at the demo library takes chats.
COOP = ("valley", "Valley Libraries Co-op")
PARTNER = ("shelbyville", "Shelbyville Public Library")
PARTNER_OPERATOR = ("erin", "Erin Shelbyville")
# system slug ("" for the demo library): its policy notes for the co-op
COOP_NOTES = {
    "": {
        "hours": DEMO_OPENING_HOURS,
        "services": "Renewals and holds by chat; interlibrary loans only at the desk.",
        "links": "https://library.example/policies",
        "follow_ups": "ask@library.example",
    },
    PARTNER[0]: {
        "hours": "Monday to Saturday 9 am to 5 pm.",
        "services": "Renewals by phone only.",
        "links": "https://shelbyville.example/policies",
        "follow_ups": "help@shelbyville.example",
    },
}

TAGS = [
    ("Directional", "Where things are, opening hours, how to get in."),
    ("Research", "Finding sources on a topic, search strategies, citations."),
    ("Technology", "Logins, printing, Wi-Fi, e-book and database access."),
]


class Command(BaseCommand):
    help = "Create demo departments, an admin and four operators with known passwords."

    def add_arguments(self, parser):
        parser.add_argument(
            "--quiet-if-present", action="store_true", help="Only print the logins if present."
        )

    @transaction.atomic
    def handle(self, *args, quiet_if_present=False, **options):
        created = not Operator.objects.filter(username=ADMIN[0]).exists()
        departments = {}
        home = default_system()  # the demo library's (a slug is unique within a system only)
        for slug, name in DEPARTMENTS:
            departments[slug], _ = Department.objects.get_or_create(
                slug=slug, system=home, defaults={"name": name}
            )
        username, display_name, password = ADMIN
        if created:
            Operator.objects.create_superuser(
                username=username, email=f"{username}@library.example",
                password=password, display_name=display_name,
            )  # fmt: skip
        for username, display_name, slugs in OPERATORS:
            operator = Operator.objects.filter(username=username).first()
            if operator is None:
                operator = Operator.objects.create_user(
                    username=username, email=f"{username}@library.example",
                    password=OPERATOR_PASSWORD, display_name=display_name,
                )  # fmt: skip
            for slug in slugs:
                membership_add(department=departments[slug], operator=operator)
        widget = demo_widget_ensure(
            first_choice=departments["reference"], fallback=departments["circulation"]
        )
        demo_widget_coop_fallback_ensure(widget=widget, coop=self._coop())
        self._internal_chat(departments)
        self._canned_replies(departments)
        self._tags()
        if created or not quiet_if_present:
            self.stdout.write("Demo data ready." if created else "Demo data already present.")
        self.stdout.write(
            "Demo logins:\n"
            f"  admin (Django admin + operator): {ADMIN[0]} / {ADMIN[2]}\n"
            + "".join(f"  operator: {u} / {OPERATOR_PASSWORD}\n" for u, _, _ in OPERATORS)
            + f"  co-op operator ({PARTNER[1]}, answers the co-op queue): "
            f"{PARTNER_OPERATOR[0]} / {OPERATOR_PASSWORD}\n"
        )

    def _coop(self) -> Coop:
        """The co-op of the demo library and its neighbour, each with its policy notes, and the
        neighbour's operator, who monitors the co-op queue. The demo library takes its name
        from the demo page, unless the site already named its system."""
        home = default_system()
        if home.name in ("", "Library"):
            home.name = LIBRARY_NAME
            home.save(update_fields=["name"])
        partner, _ = System.objects.get_or_create(slug=PARTNER[0], defaults={"name": PARTNER[1]})
        coop, _ = Coop.objects.get_or_create(slug=COOP[0], defaults={"name": COOP[1]})
        for system in (home, partner):
            notes = COOP_NOTES["" if system == home else system.slug]
            CoopMembership.objects.get_or_create(coop=coop, system=system, defaults=notes)
        username, display_name = PARTNER_OPERATOR
        if not Operator.objects.filter(username=username).exists():
            Operator.objects.create_user(
                username=username, email=f"{username}@shelbyville.example",
                password=OPERATOR_PASSWORD, display_name=display_name, system=partner,
                monitors_coop=True,
            )  # fmt: skip
        return coop

    def _internal_chat(self, departments):
        rooms = {slug: internalchat_services.room_department_get_or_create(department=d)
                 for slug, d in departments.items()}  # fmt: skip
        rooms["all_staff"] = internalchat_services.room_all_staff_get_or_create()
        for index, (room, username, body) in enumerate(INTERNAL_MESSAGES):
            internalchat_services.message_send(
                room=rooms[room], sender=Operator.objects.get(username=username), body=body,
                client_msg_id=f"demo-{index}",
            )  # fmt: skip
        group, _ = FaqGroup.objects.get_or_create(name=FAQ_GROUP, defaults={"public": True})
        for question, answer, link in FAQS:
            Faq.objects.get_or_create(
                group=group, question=question, defaults={"answer": answer, "link": link}
            )

    def _tags(self):
        for position, (name, description) in enumerate(TAGS, start=1):
            ChatTag.objects.get_or_create(
                name=name, defaults={"description": description, "position": position}
            )
        chat_services.read_scale_offer()

    def _canned_replies(self, departments):
        settings = SiteSettings.load()
        if not settings.library_name:
            settings.library_name = LIBRARY_NAME
            settings.save(update_fields=["library_name"])
        for scope, title, shortcut, body in CANNED_REPLIES:
            owner = department = None
            if scope and scope.startswith("@"):
                owner = Operator.objects.get(username=scope[1:])
            elif scope:
                department = departments[scope]
            if not CannedReply.objects.filter(
                owner=owner, department=department, title=title
            ).exists():
                canned_services.canned_reply_create(
                    owner=owner, department=department, title=title, shortcut=shortcut, body=body
                )
