"""The library the browser tests start from: a Reference desk and the widget it answers."""

from accounts.models import Operator
from tests.factories import DepartmentFactory, MembershipFactory
from widgets import services
from widgets.models import Widget


def reference_widget(
    *operators: Operator, allowed_origins: list[str] | None = None, **widget_options
) -> Widget:
    """The Reference department, monitored by these operators, and the "Main site" widget it
    answers, embeddable on https://www.library.example (or the given origins, such as a test's
    library site). It writes to the database: call it from `outside_the_loop`."""
    reference = DepartmentFactory(name="Reference")
    for operator in operators:
        MembershipFactory(operator=operator, department=reference)
    return services.widget_create(
        name="Main site",
        allowed_origins=allowed_origins or ["https://www.library.example"],
        first_choice=reference,
        **widget_options,
    )
