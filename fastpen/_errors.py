"""The exception for a data or model file fastpen cannot use.

It lives in a module of its own because the reader (:mod:`fastpen._io`), the
encoding of columns (:mod:`fastpen._encoding`) and model files
(:mod:`fastpen._model`) all raise it; it is imported as ``fastpen._io.DataError``.
"""


class DataError(ValueError):
    """A data file that cannot be used (the message names file, line and column)."""
