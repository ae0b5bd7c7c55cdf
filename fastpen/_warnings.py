"""Warnings that point at the user's line, however deep inside fastpen they arise."""
import sys
import warnings


def warn(message, category):
    """``warnings.warn`` with the stack level of the first frame outside fastpen
    (decorators, context managers and internal helpers in between do not shift it)."""
    frame, level = sys._getframe(1), 1
    while frame is not None and _internal(frame.f_globals.get("__name__", "")):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level + 1)


def _internal(module):
    return module.split(".")[0] == "fastpen" or module == "contextlib"


class GridEdgeWarning(UserWarning):
    """A cross-validated alpha is the smallest or the largest of its grid.

    The cross-validation error may still fall beyond that end of the grid,
    so the alpha chosen may not be the best one; the message says which
    argument widens the grid.
    """
