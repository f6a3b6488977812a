"""The docs' Security page names, for each guarantee, the test that proves it: every test
it names exists, so the page cannot promise what nothing checks."""

import re
from pathlib import Path

from django.conf import settings

PAGE = Path(settings.BASE_DIR) / "portal" / "docs" / "content" / "en" / "security.md"
REFERENCE = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")


def test_every_test_the_security_page_names_exists():
    references = REFERENCE.findall(PAGE.read_text())
    assert len(references) >= 30
    missing = [
        f"{path}::{name}"
        for path, name in references
        if not (Path(settings.BASE_DIR) / path).exists()
        or not re.search(rf"^(async )?def {name}\(", (Path(settings.BASE_DIR) / path).read_text(), re.M)
    ]
    assert missing == []
