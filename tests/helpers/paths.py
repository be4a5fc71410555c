"""Folders of the repository the tests read from (notebooks, examples, benchmarks)."""
from __future__ import annotations

from pathlib import Path

__all__ = ["BENCH_DIR", "REPO_ROOT", "TESTS_DIR"]

#: tests/ (on sys.path, so ``helpers`` imports from every test folder).
TESTS_DIR = Path(__file__).resolve().parents[1]
REPO_ROOT = TESTS_DIR.parent
BENCH_DIR = REPO_ROOT / "benchmarks"
