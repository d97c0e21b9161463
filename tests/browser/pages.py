"""What a person does in the pages, shared by the browser tests."""

from playwright.sync_api import Page, expect

from tests.factories import PASSWORD


def log_in_at(page: Page, base_url: str, operator, path: str = "/dashboard/") -> Page:
    """Log in through the login page and wait for the dashboard socket."""
    page.goto(f"{base_url}/accounts/login/?next={path}")
    page.get_by_label("Username").fill(operator.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("body")).to_have_attribute("data-socket", "open")
    return page
