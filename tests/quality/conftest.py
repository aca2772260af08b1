"""The quality tests work on the case tests' report of the current data year (its reporting
window open)."""

from tests.casesets.conftest import open_window, report  # noqa: F401
