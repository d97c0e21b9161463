"""The Django admin pages for operators, departments and signed-in operators."""

import pytest
from django.urls import reverse

from accounts import selectors, services
from accounts.models import LibChatSession
from tests.factories import DashboardConnectionFactory, MembershipFactory, OperatorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(OperatorFactory(is_staff=True, is_superuser=True))
    return client


def test_operator_admin_lists_searches_and_shows_departments(admin_client):
    membership = MembershipFactory(operator__display_name="Zelda Reference")
    OperatorFactory(display_name="Someone Else")
    page = admin_client.get(reverse("admin:accounts_operator_changelist"), {"q": "Zelda"})
    assert page.status_code == 200
    assert "Zelda Reference" in page.content.decode()
    assert "Someone Else" not in page.content.decode()
    change = admin_client.get(
        reverse("admin:accounts_operator_change", args=[membership.operator_id])
    )
    assert membership.department.name in change.content.decode()


def test_department_admin_shows_members_inline(admin_client):
    membership = MembershipFactory(operator__display_name="Inline Person")
    page = admin_client.get(
        reverse("admin:departments_department_change", args=[membership.department_id])
    )
    assert page.status_code == 200
    assert "monitoring" in page.content.decode()
    listing = admin_client.get(reverse("admin:departments_department_changelist"))
    assert membership.department.name in listing.content.decode()


def test_signed_in_operators_page_lists_only_active_sessions_with_heartbeat(admin_client):
    here = OperatorFactory(display_name="Signed In Sam")
    gone = OperatorFactory(display_name="Signed Out Sue")
    services.libchat_sign_in(operator=here, browser_key="a" * 32)
    DashboardConnectionFactory(operator=here, browser_key="a" * 32)
    services.libchat_sign_in(operator=gone, browser_key="b" * 32)
    services.libchat_sign_out(operator=gone)
    page = admin_client.get(reverse("admin:accounts_signedinoperator_changelist")).content.decode()
    assert "Signed In Sam" in page
    assert "Signed Out Sue" not in page
    assert "last heartbeat" in page.lower()


def test_signed_in_operators_page_says_who_is_reachable_in_fixed_queries(
    admin_client, django_assert_max_num_queries
):
    url = reverse("admin:accounts_signedinoperator_changelist")
    sam = OperatorFactory(display_name="Reachable Sam")
    services.libchat_sign_in(operator=sam, browser_key="a" * 32)
    DashboardConnectionFactory(operator=sam, browser_key="a" * 32)
    with django_assert_max_num_queries(20) as one_row:
        admin_client.get(url)
    for index in range(5):  # dashboards closed: signed in, but nobody can reach them
        services.libchat_sign_in(operator=OperatorFactory(), browser_key=f"{index}" * 32)
    with django_assert_max_num_queries(len(one_row.captured_queries)):
        page = admin_client.get(url).content.decode()

    sams_row = next(row for row in page.split("<tr")[1:] if "Reachable Sam" in row)
    assert ">Online<" in sams_row and 'alt="True"' in sams_row
    assert page.count("Online (not reachable)") == 5
    assert page.count('alt="False"') == 5


def test_end_session_action_signs_the_operator_out(admin_client):
    operator = OperatorFactory()
    session = services.libchat_sign_in(operator=operator, browser_key="a" * 32)
    response = admin_client.post(
        reverse("admin:accounts_signedinoperator_changelist"),
        {"action": "end_session", "_selected_action": [session.pk]},
        follow=True,
    )
    assert "Ended 1 LibChat session" in response.content.decode()
    assert selectors.active_session(operator=operator) is None
    session.refresh_from_db()
    assert session.end_reason == LibChatSession.EndReason.ENDED_BY_ADMIN


def test_non_staff_operator_cannot_open_the_admin(client):
    client.force_login(OperatorFactory())
    response = client.get(reverse("admin:accounts_signedinoperator_changelist"))
    assert response.status_code == 302


def test_meetings_admin_lists_meetings_with_participants(admin_client):
    from meetings import services
    from meetings.models import Meeting

    host, guest_operator = OperatorFactory(display_name="Host H"), OperatorFactory()
    meeting = services.meeting_start(
        host=host, invitees=[guest_operator], kind=Meeting.Kind.DIRECT, title="Screenshare: H"
    )
    services.meeting_join(meeting=meeting, operator=host, channel_name="specific.t!1")
    listing = admin_client.get(reverse("admin:meetings_meeting_changelist")).content.decode()
    assert "Screenshare: H" in listing
    page = admin_client.get(reverse("admin:meetings_meeting_change", args=[meeting.pk]))
    assert "Host H" in page.content.decode()
