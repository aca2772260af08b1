"""Registry of 总表 editions. A report stores its edition id and is always read with it."""

from .base import Edition
from .edition_2018 import EDITION as EDITION_2018
from .edition_2025 import EDITION as EDITION_2025

EDITIONS: dict[str, Edition] = {edition.id: edition for edition in (EDITION_2025, EDITION_2018)}
CURRENT_EDITION: Edition = EDITION_2025


def get_edition(edition_id: str) -> Edition:
    """The edition a report was filled in; ``KeyError`` for an id never declared."""
    return EDITIONS[edition_id]
