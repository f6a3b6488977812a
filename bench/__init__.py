"""Benchmarks that print figures and ratios against named baselines (never timed assertions in tests)."""
