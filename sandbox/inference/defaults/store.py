"""Weights built or converted on this machine, written under MODEL_STORE atomically."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from filelock import FileLock


def materialize(target: Path, *, ready: Callable[[Path], bool], build: Callable[[Path], None]) -> Path:
    """``target``, built by ``build(directory)`` first unless ``ready(target)``.

    Several processes asking at once wait for one build (a file lock beside ``target``); the
    build writes into a temporary directory that is renamed into place, so a half-written
    model is never loaded, and a crash leaves only a temporary directory behind.
    """
    if ready(target):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target) + ".lock"):
        if ready(target):  # another process built it meanwhile
            return target
        workdir = Path(tempfile.mkdtemp(prefix=f".{target.name}-build-", dir=target.parent))
        workdir.chmod(0o755)
        try:
            build(workdir)
            if target.exists():
                retired = target.with_name(f".{target.name}-old-{time.time_ns()}")
                target.rename(retired)
                shutil.rmtree(retired, ignore_errors=True)
            workdir.rename(target)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    return target
