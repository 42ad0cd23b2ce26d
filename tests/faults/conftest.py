"""The fault matrix: each test injects one fault against a real server and reports what it cost.

Run it alone with `python -m pytest tests/faults -q`; the summary prints one line per scenario with what was
lost and what was duplicated (both should be 0). A scenario test calls `fault_outcome(...)` once, after
measuring, and then asserts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest


@dataclass(frozen=True)
class Outcome:
    scenario: str
    lost: int
    duplicated: int
    note: str = ""


_OUTCOMES: list[Outcome] = []


@pytest.fixture
def fault_outcome() -> Callable[..., Outcome]:
    """Record a scenario's outcome: `fault_outcome("list page cut mid-transfer", lost=0, duplicated=0)`."""

    def record(scenario: str, *, lost: int, duplicated: int, note: str = "") -> Outcome:
        outcome = Outcome(scenario, lost, duplicated, note)
        _OUTCOMES.append(outcome)
        return outcome

    return record


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _OUTCOMES:
        return
    terminalreporter.section("fault matrix: what each fault cost")
    width = max(len(o.scenario) for o in _OUTCOMES)
    terminalreporter.write_line(f"{'scenario':<{width}}  lost  duplicated  note")
    for o in _OUTCOMES:
        terminalreporter.write_line(f"{o.scenario:<{width}}  {o.lost:>4}  {o.duplicated:>10}  {o.note}")
