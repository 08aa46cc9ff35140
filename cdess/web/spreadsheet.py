"""CSV for spreadsheets, without formula injection (OWASP « CSV injection »): a cell that a
spreadsheet would read as a formula — one starting with = + - @, a tab or a carriage return —
is written with a leading apostrophe, which spreadsheets show as text. Numbers written by the
application itself (a negative number, say) are not strings and are left alone."""

import csv
import io

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutral(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class Writer:
    """Rows of cells to CSV text (`;`-separated, CRLF, UTF-8 with a BOM when asked), each
    cell neutralised."""

    def __init__(self, bom: bool = True):
        self.buffer = io.StringIO()
        if bom:
            self.buffer.write("\ufeff")  # so that spreadsheets open it as UTF-8
        self.writer = csv.writer(self.buffer, delimiter=";", lineterminator="\r\n")

    def row(self, cells) -> None:
        self.writer.writerow([neutral(cell) for cell in cells])

    def take(self) -> str:
        """The text written since the last take (for a streamed response)."""
        text = self.buffer.getvalue()
        self.buffer.seek(0)
        self.buffer.truncate()
        return text
