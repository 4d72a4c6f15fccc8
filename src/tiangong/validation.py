"""One way to turn a pydantic ``ValidationError`` into a one-line message for the user.

Used by every validated data file (scenarios, station data, EVA library, plan requests, real-EVA
files): the first error, its field path (``faults[0].duration_h``), the reason, a "did you mean"
for a mistyped field name, and how many more errors there are.
"""

from __future__ import annotations

import difflib

from pydantic import BaseModel, ValidationError


def hint(name, known) -> str:
    """``"; did you mean 'x'?"`` for the closest known name, or ``""``."""
    m = difflib.get_close_matches(str(name), list(known), n=1)
    return f"; did you mean {m[0]!r}?" if m else ""


def field_path(loc) -> str:
    """A pydantic location as a field path: ``("faults", 0, "kind")`` -> ``faults[0].kind``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out


def explain_validation(exc: ValidationError, root: type[BaseModel]) -> str:
    """One line ``field: reason`` for the first pydantic error (see :func:`first_error`)."""
    field, why = first_error(exc, root)
    return f"{field}: {why}"


def first_error(exc: ValidationError, root: type[BaseModel]) -> tuple[str, str]:
    """(field path, reason) of the first pydantic error; an unknown field gets the closest known
    name.  Typos are reported first: they usually explain the other errors (a missing field)."""
    errs = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
    err = errs[0]
    loc = [p for p in err["loc"] if p not in ("function-after", "function-before")]
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        model = root
        for part in loc[:-1]:
            if isinstance(part, int) or model is None:
                continue
            f = model.model_fields.get(part)
            if f is None:  # a dict key (e.g. a worksite name): the value type stays
                continue
            t = f.annotation
            for arg in (getattr(t, "__args__", None) or (t,)):
                if isinstance(arg, type) and issubclass(arg, BaseModel):
                    model = arg
                    break
        known = list(model.model_fields) if model else []
        h = hint(loc[-1], known)
        msg = "unknown field" + (h if h else f"; known fields: {', '.join(known)}")
    n = len(errs)
    more = f" (and {n - 1} more error{'s' if n > 2 else ''})" if n > 1 else ""
    return field_path(loc) or "(top level)", f"{msg}{more}"
