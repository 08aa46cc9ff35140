"""Spreadsheets without formula injection (OWASP « CSV injection »): CSV and XLSX.

A cell that a spreadsheet would read as a formula — one starting with = + - @, a tab or a
carriage return — is written with a leading apostrophe, which spreadsheets show as text. Numbers
written by the application itself (a negative number, say) are not strings and are left alone.

Where the issue is silent, decided here:
- the same apostrophe in both formats, so that a cell reads the same in the CSV and the XLSX
  (an XLSX string cell is never run, but a copy of it pasted or saved as CSV would be);
- in the XLSX, dates are dates (shown day/month/year), characters XML cannot hold (controls)
  are dropped and a text is cut at Excel's limit of 32,767 characters; the header row is bold
  and frozen, each column as wide as its header and first rows ask, within bounds;
- in the CSV, a date is ISO (2026-12-02, which French spreadsheets read as a date), a moment to
  the minute (2026-12-02 14:30);
- an export is named after its list and the day (`candidatures-2026-12-02.csv`); the CSV is
  streamed, the XLSX built whole (a zip is written at its end), both from the same rows."""

import csv
import io
import itertools
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal

from flask import Response, current_app, stream_with_context
from flask_babel import to_user_timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from cdess.extensions import db

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_TEXT_LIMIT = 32_767
DATE_FORMAT = "DD/MM/YYYY"
MOMENT_FORMAT = "DD/MM/YYYY HH:MM"
WIDTH_SAMPLE = 100  # rows read before the first is written, to size the columns
MIN_WIDTH, MAX_WIDTH = 8, 60
CSV_BATCH = 200  # rows per chunk of a streamed CSV
READ_BATCH = 500  # rows read from the database at a time
NOT_IN_SHEET_TITLES = re.compile(r"[\[\]:*?/\\]")  # Excel refuses them in a sheet's name


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


def moment(utc: datetime | None) -> datetime | None:
    """A moment the application recorded (naive UTC) as the pages show it: in the reader's
    time zone (Europe/Paris by default), without a zone (spreadsheets keep none)."""
    return to_user_timezone(utc).replace(tzinfo=None) if utc is not None else None


def day(utc: datetime | None) -> date | None:
    """The day of a recorded moment (naive UTC), in the reader's time zone."""
    local = moment(utc)
    return local.date() if local is not None else None


def _plain(value: object) -> object:
    """A cell as either format keeps it: numbers, dates and None as they are, anything else
    (a lazy translation, an enum's label) as its text."""
    if value is None or isinstance(value, int | float | Decimal | date):
        return value
    return str(value)


def _csv_cell(value: object) -> object:
    """A cell as the CSV writes it, neutralised."""
    if value.__class__ is str:  # most cells (a registry's 200,000 rows): the check alone
        return "'" + value if value.startswith(FORMULA_STARTS) else value
    value = _plain(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return neutral(value)


def _plain_line(row: Sequence) -> str | None:
    """The CSV line of a row of text that needs neither an apostrophe nor quotes (most rows of
    a long export), joined in C rather than cell by cell; None for any other row."""
    try:
        if any(map(str.startswith, row, itertools.repeat(FORMULA_STARTS))):
            return None
        line = ";".join(row)
    except TypeError:  # a cell not text (a date, a number, None)
        return None
    if not line or line.count(";") != len(row) - 1 or '"' in line or "\r" in line or "\n" in line:
        return None  # a cell holding the separator, a quote or a line break: the writer's quotes
    return line + "\r\n"


def csv_chunks(header: Sequence, rows: Iterable[Sequence]) -> Iterator[str]:
    """The CSV text of the header and the rows, a chunk every `CSV_BATCH` rows (the header
    alone when there is no row)."""
    sheet = Writer()
    sheet.row(str(cell) for cell in header)
    for number, row in enumerate(rows, start=1):
        if (line := _plain_line(row)) is not None:
            sheet.buffer.write(line)
        else:
            sheet.writer.writerow([_csv_cell(cell) for cell in row])
        if number % CSV_BATCH == 0:
            yield sheet.take()
    yield sheet.take()


def _xlsx_value(value: object) -> object:
    value = _plain(value)
    if isinstance(value, str):
        return neutral(ILLEGAL_CHARACTERS_RE.sub("", value)[:XLSX_TEXT_LIMIT])
    return value


def _width(value: object) -> int:
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    text = "" if value is None else str(value)
    return max((len(line) for line in text.splitlines()), default=0)


def xlsx(header: Sequence, rows: Iterable[Sequence], title: str = "Export") -> bytes:
    """A workbook of one sheet (`title`): a bold, frozen header row, then the rows; cells
    neutralised like the CSV's, dates as dates. Written in write-only mode (rows are not kept
    in memory)."""
    rows = iter(rows)
    first = [[_xlsx_value(cell) for cell in row] for row in itertools.islice(rows, WIDTH_SAMPLE)]
    rest = ([_xlsx_value(cell) for cell in row] for row in rows)
    header = [str(cell) for cell in header]
    workbook = Workbook(write_only=True)
    title = NOT_IN_SHEET_TITLES.sub("", ILLEGAL_CHARACTERS_RE.sub("", title))[:31]
    sheet = workbook.create_sheet(title or "Export")
    sheet.freeze_panes = "A2"
    for index, name in enumerate(header):
        widest = max([_width(name) + 2] + [_width(row[index]) for row in first if index < len(row)])
        column = sheet.column_dimensions[get_column_letter(index + 1)]
        column.width = min(max(widest + 1, MIN_WIDTH), MAX_WIDTH)
    bold = Font(bold=True)
    heading = []
    for name in header:
        cell = WriteOnlyCell(sheet, value=_xlsx_value(name))
        cell.font = bold
        heading.append(cell)
    sheet.append(heading)
    for row in itertools.chain(first, rest):
        sheet.append([_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _cell(sheet, value: object):
    if isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = MOMENT_FORMAT
        return cell
    if isinstance(value, date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    return value


def answer(fmt: str, name: str, header: Sequence, rows: Iterable[Sequence]) -> Response:
    """The export of a list as a download, in `fmt` (« csv » or « xlsx »), named `name` and
    the day: the CSV streamed, the XLSX whole. `rows` is read lazily: pass a generator."""
    filename = f"{name}-{date.today().isoformat()}.{fmt}"
    if fmt == "xlsx":
        body = xlsx(header, rows, title=name)
        response = current_app.response_class(body, mimetype=XLSX_MIMETYPE)
    else:
        response = current_app.response_class(
            stream_with_context(csv_chunks(header, rows)), mimetype="text/csv"
        )
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def each(stmt, key, batch: int | None = None):
    """The rows of a list's statement (the one its page shows a page of), in its order, read
    `batch` (`READ_BATCH`) at a time: first their ids (one light statement: the list as it
    stands), then the rows by ids with the statement's own eager loads — no cursor stays open
    while a response streams them, and a batch at most is held. `key`: the listed model's id
    column. A row gone (or out of the filters) meanwhile is left out."""
    batch = batch or READ_BATCH
    ids = list(db.session.execute(stmt.with_only_columns(key)).scalars())
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        rows = db.session.execute(stmt.where(key.in_(chunk))).unique().scalars()
        found = {row.id: row for row in rows}
        yield from (found[id_] for id_ in chunk if id_ in found)
