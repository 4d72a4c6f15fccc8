"""Errors for bad input.

Every error a user can cause by a bad file, flag or request is an :class:`InputError`.  Its
message is one line naming *where* (file and/or field) and *why*; the CLI prints it as
``error: <where>: <why>`` and exits with status 2, never with a traceback.
"""

from __future__ import annotations


def _printable(text: str) -> str:
    """``text`` on one line with control characters (a NUL byte in a file name) escaped."""
    text = " ".join(str(text).split())
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class InputError(ValueError):
    """Bad user input: ``where`` names the file/field, ``why`` the reason (one line each)."""

    def __init__(self, where: str, why: str):
        self.where = _printable(where)
        self.why = _printable(why)  # always one line
        super().__init__(f"{self.where}: {self.why}" if self.where else self.why)
