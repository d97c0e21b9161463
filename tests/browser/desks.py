"""The library the browser tests start from: a Reference desk and the widget it answers."""

from accounts.models import Operator
from tests.browser.pages import outside_the_loop
from tests.factories import DepartmentFactory, MembershipFactory, OperatorFactory
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


def library_desk(library, **widget_options) -> tuple[Operator, Widget]:
    """Alice at the Reference desk and its "Ask a Librarian" widget, embeddable on the given
    library site (`sites()`). Call it from the test: it steps outside the loop itself."""

    def create():
        alice = OperatorFactory(display_name="Alice")
        widget = reference_widget(
            alice, allowed_origins=[library.url], title="Ask a Librarian", **widget_options
        )
        return alice, widget

    return outside_the_loop(create)
