"""Errors the clerk can act on. ``message`` is Chinese for the screen; ``english`` for logs/CLI."""
from __future__ import annotations


class ClerkError(Exception):
    """Base of every expected failure: bad input, a refused move, a missing record."""

    def __init__(self, message: str, english: str = "", **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.english = english or message
        self.details = details

    def one_line(self) -> str:
        return f"{self.message} ({self.english})" if self.english != self.message else self.message


class ValidationError(ClerkError):
    """Input that does not satisfy a rule (ID checksum, missing field, …)."""


class NotFound(ClerkError):
    pass


class PermissionDenied(ClerkError):
    pass


class IllegalTransition(ClerkError):
    """A case or ticket move the state machine does not allow."""


class StorageError(ClerkError):
    """The database could not be reached or written (full disk, locked, network)."""


class ApplicantChanged(ValidationError):
    """The ID number is registered with another name: the clerk must confirm old → new before
    the applicant record changes (``details``: ``old``, ``new``, ``old_from_card``)."""
