"""Create the demo site: two departments, an admin, four operators and a widget (idempotent)."""

from django.core.management import BaseCommand
from django.db import transaction

from accounts.models import Operator
from departments.models import Department
from departments.services import membership_add
from widgets.demo import demo_widget_ensure

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
        for slug, name in DEPARTMENTS:
            departments[slug], _ = Department.objects.get_or_create(
                slug=slug, defaults={"name": name}
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
        demo_widget_ensure(
            first_choice=departments["reference"], fallback=departments["circulation"]
        )
        if created or not quiet_if_present:
            self.stdout.write("Demo data ready." if created else "Demo data already present.")
        self.stdout.write(
            "Demo logins:\n"
            f"  admin (Django admin + operator): {ADMIN[0]} / {ADMIN[2]}\n"
            + "".join(f"  operator: {u} / {OPERATOR_PASSWORD}\n" for u, _, _ in OPERATORS)
        )
