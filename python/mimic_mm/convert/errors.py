"""The one exception type the converter raises for bad input: its message names the file, table or line."""


class ConvertError(Exception):
    """Bad input or a failed table; the message is safe to print (identifiers only, no row contents)."""
