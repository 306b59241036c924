"""SQL quoting for text spliced into DuckDB statements: identifiers and string literals."""

from __future__ import annotations


def quote_ident(name: str) -> str:
    """A SQL identifier (column names such as `Enlarged Cardiomediastinum` have spaces)."""
    return '"' + name.replace('"', '""') + '"'


def quote_string(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"
