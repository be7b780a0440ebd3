"""Whose rows a write is about: every row of the mirror carries its user and connection."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scope:
    """Whose data this is and which connection it came through."""

    user_id: str
    connection_id: str
    # What accounts show as their provider: "monzo", or the TrueLayer provider id.
    bank: str
