"""App boundaries (pyproject.toml's [tool.importlinter]): each app's models are its own,
and no two apps import each other, directly or around a cycle. `make lint` runs the same."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = str(Path(sys.executable).parent / "lint-imports")


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [LINT_IMPORTS, "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def test_the_app_contracts_hold():
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_cross_app_model_import_breaks_the_contract(tmp_path):
    """The check bites: another app's model imported into usage metering fails it."""
    for package in ("portal", "community", "sandbox"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__", "content"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    services = tmp_path / "sandbox" / "usage" / "services.py"
    services.write_text(services.read_text() + "\nfrom portal.apikeys.models import ApiKey  # noqa\n")
    result = _lint_imports(tmp_path)
    assert result.returncode != 0
    assert "sandbox.usage.services -> portal.apikeys.models" in result.stdout.replace("\n", " ")
