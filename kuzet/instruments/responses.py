"""The old name of ``kuzet.instruments.validation``, kept only for ``kuzet/visits/views.py``,
which is rewritten on another branch of issue 13; delete it once that imports the new name."""

from kuzet.instruments.validation import validate_response

__all__ = ["validate_response"]
