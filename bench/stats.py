"""What the benchmarks share: percentiles of timings, and their own scratch database."""

from __future__ import annotations


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0..1) of ``values``, interpolated between the nearest ranks."""
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def ensure_database(pg: str, name: str) -> None:
    """Create the PostgreSQL database ``name`` on the server at ``pg`` unless it exists."""
    import psycopg

    with psycopg.connect(f"{pg}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
