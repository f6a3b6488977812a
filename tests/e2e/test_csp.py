"""Every page of the site loads in Chromium under its Content-Security-Policy with no
violation, and the interactive parts that used to be inline handlers still work.

One browser context walks the site: anonymous, then as a developer, then as staff. A
violation shows twice, as a console message and as a `securitypolicyviolation` event
(reported to the test from an init script); either fails the test, listed by page.
"""

import re
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import expect

from community.forums import services as forum_services
from community.forums.models import Category, CategoryKind
from portal.accounts.roles import Role
from portal.accounts.services import user_set_role
from portal.apikeys.models import ApiKey
from sandbox.finetuning.models import FineTuningJob, TrainingFile
from sandbox.registry.models import HostedModel
from tests.factories import PASSWORD
from tests.forums.conftest import make_member

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolation(`${event.effectiveDirective} blocked ${event.blockedURI || "inline"} `
                      + `(${event.sourceFile}:${event.lineNumber})`);
});
"""


class Tour:
    """A page in one browser context that records CSP violations per visited URL."""

    def __init__(self, browser, base: str):
        self.base = base
        self.violations: list[str] = []
        self.context = browser.new_context(
            viewport={"width": 1280, "height": 900}, locale="en-US", permissions=["clipboard-read", "clipboard-write"]
        )
        self.context.expose_function("cspViolation", self._record)
        self.context.add_init_script(REPORT_VIOLATIONS)
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.page.on("console", self._console)

    def _console(self, message) -> None:
        if "Content Security Policy" in message.text:
            self._record(f"console: {message.text}")

    def _record(self, text: str) -> None:
        self.violations.append(f"{self.page.url}: {text}")

    def visit(self, path: str):
        response = self.page.goto(self.base + path)
        assert response.status == 200, (path, response.status)
        assert "'unsafe-inline'" not in _script_src(response.headers["content-security-policy"])
        return response

    def log_in(self, email: str) -> None:
        self.visit("/accounts/login/")
        self.page.fill("input[name=login]", email)
        self.page.fill("input[name=password]", PASSWORD)
        self.page.locator("form").filter(has=self.page.locator("input[name=password]")).locator(
            "button[type=submit]"
        ).click()
        self.page.wait_for_url(re.compile(r".*/$"))

    def log_out(self) -> None:
        self.page.get_by_role("button", name="Log out").click()
        expect(self.page.get_by_role("link", name="Log in")).to_be_visible()


def _script_src(policy: str) -> str:
    return next(d for d in policy.split(";") if d.strip().startswith("script-src"))


@pytest.fixture
def site(echo_model):
    """What the pages show: a forum thread, a job with a file, a developer and a manager."""
    developer = make_member("dev@example.org", handle="dev")
    # A community manager: staff, and the role's permissions (awarding honors among them).
    user_set_role(user=make_member("manager@example.org", handle="manager"), role=Role.COMMUNITY_MANAGER)
    category = Category.objects.create(name="Q&A", slug="qa", kind=CategoryKind.QA, description="Questions")
    thread = forum_services.thread_create(
        author=developer, category=category, title="Streaming with the SDK", body="Does `stream=True` work?"
    )
    training = TrainingFile.objects.create(
        owner=developer,
        filename="train.jsonl",
        content=ContentFile(b"{}\n", name="train.jsonl"),
        bytes=3,
        format=TrainingFile.Format.CHAT,
        example_count=10,
        token_count=100,
    )
    job = FineTuningJob.objects.create(owner=developer, base_model=echo_model, training_file=training, seed=1)
    return {"developer": developer, "thread": thread, "job": job}


@pytest.fixture
def echo_model(transactional_db):
    return HostedModel.objects.create(
        model_id="echo",
        backend=HostedModel.Backend.ECHO,
        context_length=64,
        max_output_tokens=32,
        price_per_1k_tokens=Decimal("0"),
    )


def test_every_page_loads_without_csp_violations(browser, asgi_server, celery_worker, site):
    tour = Tour(browser, asgi_server)
    page = tour.page
    try:
        # Anonymous.
        for path in ("/", "/accounts/signup/", "/accounts/password/reset/", "/admin/login/", "/models/echo/"):
            tour.visit(path)
        tour.visit("/docs/api/")  # Redoc: its script, styles, and search in a blob: worker
        # Redoc renders the whole reference at once: seconds on a busy CPU.
        expect(page.locator("#redoc-container .api-content")).to_contain_text("chat/completions", timeout=30_000)
        page.locator("#redoc-container input[placeholder='Search...']").fill("embedding")
        expect(page.locator("[data-role='search:results'] [role=menuitem]").first).to_contain_text(
            re.compile("embeddings", re.IGNORECASE)
        )

        # The language switcher submits its form when an option is chosen.
        tour.visit("/community/")
        page.select_option("#lang-switch", "zh-hans")
        expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
        page.select_option("#lang-switch", "en")
        expect(page.locator("html")).to_have_attribute("lang", "en")

        # A developer.
        tour.log_in("dev@example.org")
        for path in (
            "/docs/",
            "/docs/search/",
            site["thread"].get_absolute_url(),
            "/models/",
            "/notifications/",
            "/settings/",
            "/settings/profile/",
            "/u/dev/",
            "/accounts/email/",
            "/jobs/",
            f"/jobs/{site['job'].id}/",
            "/files/",
            "/jobs/webhooks/",
            "/rewards/badges/",
            "/rewards/badges/first-question/",
            "/rewards/honors/",
        ):
            tour.visit(path)

        # The forum composer previews with htmx.
        tour.visit("/community/new/?category=qa")
        page.fill("textarea[name=body]", "Only **one** chunk arrives.")
        expect(page.locator("#preview-id_body strong")).to_have_text("one")

        # The new-job form asks the server for its estimate when a file is chosen (no model
        # here can be fine-tuned, so it says why instead of showing a figure).
        tour.visit("/jobs/new/")
        page.select_option("select[name=training_file]", site["job"].training_file_id)
        expect(page.locator("#estimate-problem")).to_be_visible()
        expect(page.locator("#estimate-reason")).not_to_be_empty()

        # The quickstart creates a key over htmx and shows its secret.
        tour.visit("/docs/getting-started/")
        page.locator("#quickstart-create-key").click()
        expect(page.locator("#quickstart-secret")).to_contain_text("atr_live_")

        # A new key's secret page: the copy button copies it.
        tour.visit("/keys/")
        page.get_by_label("Name").fill("csp laptop")
        page.get_by_role("button", name="Create key").click()
        secret = page.locator("#new-secret").input_value()
        page.locator("[data-copy=new-secret]").click()
        expect(page.get_by_role("button", name="Copied")).to_be_visible()
        assert page.evaluate("navigator.clipboard.readText()") == secret
        # The setup snippet below it, filled with the key, copies as shown.
        page.locator("[data-copy=new-key-snippet]").click()
        assert page.evaluate("navigator.clipboard.readText()").startswith(f'export ATRIUM_API_KEY="{secret}"\n')

        # Revoking asks first: dismissed, the key stays; accepted, it is revoked.
        tour.visit("/keys/")
        row = page.locator("#keys-table tr", has_text="csp laptop")
        questions = []

        def answer(dialog, accept):
            questions.append(dialog.message)
            dialog.accept() if accept else dialog.dismiss()

        page.once("dialog", lambda dialog: answer(dialog, False))
        row.get_by_role("button", name="Revoke").click()
        expect(row).to_contain_text("Active")
        page.once("dialog", lambda dialog: answer(dialog, True))
        row.get_by_role("button", name="Revoke").click()
        expect(page.get_by_role("status").filter(has_text="is revoked")).to_be_visible()
        assert questions == ["Revoke this key? Calls using it fail at once."] * 2
        assert ApiKey.objects.get(name="csp laptop").revoked_at is not None

        # Rolling shows the new secret.
        tour.visit(f"/keys/{ApiKey.objects.get(name='csp laptop').pk}/roll/")
        page.get_by_role("button", name="Roll key").click()
        expect(page.locator("#new-secret")).to_have_value(re.compile("^atr_live_"))

        # The Playground streams a chat.
        tour.visit("/playground/")
        expect(page.locator("#playground[data-state=idle]")).to_be_attached()
        page.select_option("#pg-model", "echo")
        page.fill("#pg-stop", "")
        page.get_by_label("Message", exact=True).fill("hello under a strict policy")
        page.get_by_label("Message", exact=True).press("Enter")
        expect(page.locator(".pg-assistant .pg-content").last).to_have_text("hello under a strict policy")

        # Usage draws its charts.
        tour.visit("/usage/")
        page.wait_for_function("() => window.Chart && Chart.getChart('chart-requests')")

        # Staff: the dashboard draws its charts and its window selector submits.
        tour.log_out()
        tour.log_in("manager@example.org")
        tour.visit("/dashboard/")
        page.wait_for_function("() => window.Chart && Chart.getChart('chart-signups')")
        page.select_option("#days", "7")
        page.wait_for_url(re.compile(r"days=7"))
        page.wait_for_function("() => window.Chart && Chart.getChart('chart-signups')")
        tour.visit("/admin/")
        tour.visit("/rewards/honors/award/")

        assert not tour.violations, "\n".join(tour.violations)
    finally:
        tour.context.close()
