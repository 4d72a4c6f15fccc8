"""Errors for bad input.

Every error a user can cause by a bad file, flag or request is an :class:`InputError`.  Its
message is one line naming *where* (file and/or field) and *why*; the CLI prints it as
``error: <where>: <why>`` and exits with status 2, never with a traceback.
"""

from __future__ import annotations


class InputError(ValueError):
    """Bad user input: ``where`` names the file/field, ``why`` the reason (one line each)."""

    def __init__(self, where: str, why: str):
        self.where = str(where)
        self.why = " ".join(str(why).split())  # always one line
        super().__init__(f"{self.where}: {self.why}" if self.where else self.why)
