"""LibChat Set-up > Settings, the retention numbers: a new number shows what the next run would
delete or anonymise before it is saved; anonymising after deleting is refused; the last run is
shown and every run is listed."""

import pytest
from django.urls import reverse

from chats.models import PatronChat, RetentionRun
from chats.services import patron_retention_run
from libchat.core.models import ANONYMISE_AFTER_DELETE, SiteSettings
from tests.chats.people import desk
from tests.chats.test_retention import full_chat, ticket
from tests.factories import OperatorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def admin_client(client):
    client.force_login(OperatorFactory(is_staff=True, is_superuser=True))
    return client


def settings_url() -> str:
    return reverse("admin:libchat_sitesettings_change", args=[SiteSettings.load().pk])


def posted(*, delete: int, anonymise: int, **more) -> dict:
    return {
        "library_name": "",
        "scrub_internal_days": "0",
        "delete_patron_chats_days": str(delete),
        "anonymise_patron_chats_days": str(anonymise),
        **more,
    }


def test_new_retention_numbers_show_what_the_next_run_would_do_before_they_are_saved(
    admin_client,
):
    d = desk(operators=1)
    full_chat(d, days=100)
    full_chat(d, days=40, file=False)
    full_chat(d, days=5, file=False)
    ticket(d, days=40)

    confirm = admin_client.post(settings_url(), posted(delete=60, anonymise=30))

    assert confirm.status_code == 200
    page = confirm.content.decode()
    assert '<strong id="retention-chats-deleted">1 chat</strong>' in page
    assert '<strong id="retention-tickets-deleted">0 offline tickets</strong>' in page
    assert '<strong id="retention-files-deleted">1 file</strong>' in page
    assert '<strong id="retention-chats-anonymised">1 chat</strong>' in page
    assert '<strong id="retention-tickets-anonymised">1 offline ticket</strong>' in page
    assert "scrub-messages" not in page  # the scrub did not change
    site = SiteSettings.load()
    assert (site.delete_patron_chats_days, site.anonymise_patron_chats_days) == (0, 0)

    saved = admin_client.post(
        settings_url(), posted(delete=60, anonymise=30, _settings_confirmed="1")
    )

    assert saved.status_code == 302
    site = SiteSettings.load()
    assert (site.delete_patron_chats_days, site.anonymise_patron_chats_days) == (60, 30)
    assert PatronChat.objects.count() == 3  # the daily job acts, not saving


def test_anonymising_after_deleting_is_refused_with_a_clear_error(admin_client):
    refused = admin_client.post(settings_url(), posted(delete=30, anonymise=60))

    assert refused.status_code == 200
    assert ANONYMISE_AFTER_DELETE in refused.content.decode().replace("&#x27;", "'")
    assert b"Confirm the new settings" not in refused.content
    assert SiteSettings.load().anonymise_patron_chats_days == 0


def test_saving_other_settings_asks_nothing(admin_client):
    saved = admin_client.post(settings_url(), posted(delete=0, anonymise=0, library_name="Town"))
    assert saved.status_code == 302
    assert SiteSettings.load().library_name == "Town"


def test_the_settings_page_shows_the_last_run_and_every_run_is_listed(
    admin_client, django_capture_on_commit_callbacks
):
    page = admin_client.get(settings_url()).content.decode()
    assert "None yet: the job runs daily." in page
    d = desk(operators=1)
    full_chat(d, days=40, file=False)
    site = SiteSettings.load()
    site.anonymise_patron_chats_days = 30
    site.save()
    with django_capture_on_commit_callbacks(execute=True):
        patron_retention_run()

    page = admin_client.get(settings_url()).content.decode()

    assert "0 chats deleted, 1 anonymised; 0 tickets deleted, 0 anonymised; 0 files" in page
    runs = admin_client.get(reverse("admin:chats_retentionrun_changelist"))
    assert runs.status_code == 200
    assert RetentionRun.objects.count() == 1
    run = RetentionRun.objects.get()
    assert (
        admin_client.get(reverse("admin:chats_retentionrun_change", args=[run.pk])).status_code
        == 200
    )
    assert (
        admin_client.post(
            reverse("admin:chats_retentionrun_delete", args=[run.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
