"""Benchmark the time to first call: a new visitor, from the home page to a successful /v1 call.

Run: ``.venv/bin/python -m bench first_call`` (PostgreSQL and Redis up, as for `make test`;
the default model's snapshot is prepared by ``manage.py prepare_models`` if missing).

The site runs as `make run` serves it (uvicorn on ``portal.asgi``, DEBUG off, collected
static files, an ``inference`` worker with the default chat model loaded), with mail
written to files instead of the terminal. Headless Chromium (Debian's, through Playwright)
then follows only what the pages show, as ``tests/e2e/test_first_call.py`` does with the
same ``first_call_journey``: the home page's "Create an account", the sign-up form, the
verification link from the mail (the only address typed besides the home page's), the
onboarding checklist's "Create an API key", the Getting started page's key button, and
the Copy buttons of step 3 (the key in the environment) and step 4 (curl). The copied text
runs in bash exactly as copied; the clock stops when curl has the model's answer.

Scripted: nobody reads, so the figure is the site's share of a developer's first hour
(pages, mail, key creation, the call itself), not the reading. Prints each milestone's
time from landing for every run (``--repeats``, fresh browser context and account each),
and their medians. The model was warmed beforehand: a developer meets a running site.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench.gateway import Process, free_port, inference_worker
from bench.stats import ensure_database

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "first-call-bench-passphrase-42"
VERIFICATION_LINK = re.compile(r"https?://\S+/accounts/confirm-email/\S+")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


@dataclass
class Journey:
    """What the journey did: seconds from landing at each milestone, and the commands it ran."""

    marks: dict[str, float] = field(default_factory=dict)
    export: str = ""  # step 3's snippet, as copied
    curl: str = ""  # step 4's curl snippet, as copied
    output: str = ""  # what the copied commands printed


def copy_block(page, block) -> str:
    """Click ``block``'s Copy button and return what reached the clipboard."""
    block.get_by_role("button", name="Copy").click()
    return page.evaluate("navigator.clipboard.readText()")


def first_call_journey(
    page, base_url: str, *, email: str, verification_link: Callable[[], str], password: str = PASSWORD
) -> Journey:
    """Home page to a successful first call, following only what the pages show.

    ``page`` is a Playwright page whose context may read the clipboard;
    ``verification_link()`` returns the link from the newest verification mail. Raises
    (a Playwright timeout, an AssertionError) where a step is not where the pages say.
    """
    from playwright.sync_api import expect

    journey = Journey()
    started = time.perf_counter()

    def mark(name: str) -> None:
        journey.marks[name] = round(time.perf_counter() - started, 2)

    page.goto(base_url + "/")
    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Password (again)").fill(password)
    page.get_by_role("button", name="Sign Up").click()
    expect(page.get_by_role("heading", name="Verify Your Email Address")).to_be_visible()
    mark("signed up")

    # The link in the mail confirms on opening and signs in: the developer home's checklist.
    page.goto(verification_link())
    checklist = page.locator("#onboarding")
    expect(checklist).to_be_visible()
    mark("verified")

    checklist.get_by_role("link", name="Create an API key").click()
    page.get_by_role("button", name="Create an API key").click()
    key_box = page.locator("#quickstart-key [data-api-key]")
    expect(key_box).to_be_attached()
    secret = key_box.get_attribute("data-api-key")
    mark("key created")

    # Step 3 (now holding the key) and step 4's curl tab, each by its Copy button.
    step3 = page.locator("h2[id='3-put-the-key-in-your-environment'] ~ .highlight").first
    journey.export = copy_block(page, step3)
    assert secret in journey.export, journey.export
    step4 = page.locator("h2[id='4-make-your-first-call'] ~ .tabbed-set").first
    step4.locator(".tabbed-labels").get_by_text("curl", exact=True).click()
    journey.curl = copy_block(page, step4.locator(".tabbed-block:visible .highlight"))
    result = subprocess.run(["bash", "-c", journey.export + journey.curl], capture_output=True, text=True, timeout=300)
    journey.output = result.stdout + result.stderr
    assert result.returncode == 0 and '"chat.completion"' in result.stdout, journey.output
    mark("first call")
    return journey


def newest_verification_link(mail_dir: Path) -> str:
    """The verification link of the newest mail Django's file backend wrote."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        mails = sorted(mail_dir.glob("*.log"), key=lambda p: p.stat().st_mtime)
        for path in reversed(mails):
            match = VERIFICATION_LINK.search(path.read_text(errors="replace").replace("=\n", ""))
            if match:
                return match.group(0)
        time.sleep(0.1)
    raise TimeoutError(f"no verification mail in {mail_dir}")


def prepare(env: dict) -> str:
    """Migrate, collect static files and register the models as `make run` does; returns
    a key (of a separate account) that warms the default model before the journeys."""
    for args in (["migrate", "-v", "0"], ["collectstatic", "--noinput", "-v", "0"], ["prepare_models"]):
        subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True)
    script = """
from django.contrib.auth import get_user_model
from portal.apikeys.services import api_key_create
user, _ = get_user_model().objects.get_or_create(email="bench-first-call@atrium.local")
print(api_key_create(user=user, name="warm-up")[1])
"""
    command = [sys.executable, "manage.py", "shell", "-c", script]
    out = subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, text=True).stdout
    return out.strip().splitlines()[-1]


def main() -> None:
    from bench.batching import wait_until_serving

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="journeys, each a new visitor; medians reported")
    parser.add_argument(
        "--pg", default=os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432"), help="PostgreSQL server"
    )
    parser.add_argument("--database", default="atrium_bench_first_call")
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5"))
    parser.add_argument("--chromium", default=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
    args = parser.parse_args()

    ensure_database(args.pg, args.database)
    log_dir = Path(tempfile.mkdtemp(prefix="atrium-bench-first-call-"))
    mail_dir = log_dir / "mail"
    mail_dir.mkdir()
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="portal.settings.dev",
        DEBUG="false",
        SITE_URL=base_url,
        DATABASE_URL=f"{args.pg}/{args.database}",
        REDIS_URL=args.redis_url,
        EMAIL_URL=f"filemail:///{mail_dir}",  # django-environ drops one leading slash
        SECRET_KEY="bench-secret-key-" + "x" * 40,
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
        HF_HUB_OFFLINE="1",
    )
    warm_key = prepare(env)
    model = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings; "
         "print(settings.DEFAULT_CHAT_MODEL)"],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    processes = []
    try:
        worker = inference_worker(f"bench-first-call-{os.getpid()}@%h", env, log_dir)
        web = Process(
            "web",
            [sys.executable, "-m", "uvicorn", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
            + ["--no-access-log", "portal.asgi:application"],
            env,
            log_dir,
        )
        processes += [worker, web]
        web.wait_port(port)
        wait_until_serving(f"{base_url}/v1", {"Authorization": f"Bearer {warm_key}"}, model)

        from playwright.sync_api import sync_playwright

        runs: list[dict[str, float]] = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=args.chromium, headless=True, args=CHROMIUM_ARGS)
            for run in range(1, args.repeats + 1):
                context = browser.new_context(
                    viewport={"width": 1280, "height": 900},
                    locale="en-US",
                    permissions=["clipboard-read", "clipboard-write"],
                )
                page = context.new_page()
                page.set_default_timeout(60_000)
                try:
                    journey = first_call_journey(
                        page,
                        base_url,
                        email=f"first-call-{uuid.uuid4().hex[:10]}@example.com",
                        verification_link=lambda: newest_verification_link(mail_dir),
                    )
                finally:
                    context.close()
                runs.append(journey.marks)
                print(f"run {run}: " + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in journey.marks.items()))
            browser.close()

        print(f"\nTime to first call ({args.repeats} new visitors, scripted; model {model}, warm):")
        for name in runs[0]:
            print(f"  {name:<12} median {statistics.median(run[name] for run in runs):6.2f} s from landing")
        print(f"\nTIME TO FIRST CALL: {statistics.median(run['first call'] for run in runs):.1f} s (median)")
    finally:
        for process in reversed(processes):
            process.stop()
        print(f"logs: {log_dir}")


if __name__ == "__main__":
    main()
