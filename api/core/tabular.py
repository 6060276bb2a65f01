"""Spreadsheets in and out: reading CSV and XLSX uploads, writing CSV, and a resource's flat columns.

A representation becomes one row of cells whose column names are the dotted paths 422 errors use
(`name`, `name_i18n.ru`, `contacts.0.email`), so an error in a row names the column to fix. Cells a
spreadsheet would take for a formula are written with a leading `'` (OWASP's CSV injection advice) and
read back without it, so an exported file imports unchanged.
"""
import csv
import datetime as dt
import io
import re
import zipfile

import openpyxl
from flask import request
from marshmallow import fields

from api.core.fields import LocalisedText
from api.errors import ContentTooLarge, UnsupportedMediaType, ValidationFailed

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# An XLSX is a zip: its parts may unpack to far more than the body limit; a workbook this big is no directory.
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
# A spreadsheet's row and column numbers are its own to declare (an XLSX row may say it is row 1,048,576, a cell
# that it is in column XFD): reading stops at these bounds, whatever the file says, so the cost of a read is
# bounded by them and not by the numbers a file makes up. An export of the whole directory (every language of
# both localised fields, twenty contacts) stays well under MAX_COLUMNS.
MAX_COLUMNS = 500
MAX_BLANK_ROWS = 1000
MAX_CELL_CHARACTERS = 10_000
LIST_SEPARATORS = re.compile(r"[,;]")


def escape_formula(text):
    """Text a spreadsheet shows as text: a leading `'` before what it would evaluate."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def unescape_formula(text):
    """The text escape_formula() escaped; any other text as it is."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) else text


# Reading -----------------------------------------------------------------------------------------


def read_sheet(data, media_type, *, max_rows):
    """Return (header, [(row number as the spreadsheet shows it, cells)]) of a CSV or XLSX file.

    Blank rows are skipped; cells are stripped text. Not CSV/XLSX (or not readable as the type it claims)
    → 415; more than max_rows rows, or rows (blank ones too) past max_rows + MAX_BLANK_ROWS + 1, or a cell
    past column MAX_COLUMNS → 413; no header, or a cell longer than MAX_CELL_CHARACTERS → 422. The file is
    read row by row and reading stops at the first of these.
    """
    if media_type == CSV:
        numbered = _csv_rows(data)
    elif media_type == XLSX:
        numbered = _xlsx_rows(data)
    else:
        raise UnsupportedMediaType(f"Send the file as {CSV} or {XLSX}.")
    last_row = max_rows + MAX_BLANK_ROWS + 1
    header, rows = None, []
    try:
        for number, cells in numbered:
            if number > last_row:
                raise ContentTooLarge(f"The file goes on past row {last_row:,}: at most {max_rows:,} rows, and at "
                                      f"most {MAX_BLANK_ROWS:,} blank rows among them.")
            cells = [cell.strip() for cell in _within_columns(number, cells)]
            if not any(cells):
                continue
            if header is None:
                header = cells
                continue
            if len(rows) == max_rows:
                raise ContentTooLarge(f"The file has more than {max_rows:,} rows; split it into files of at most "
                                      f"{max_rows:,}.")
            rows.append((number, cells))
    finally:
        numbered.close()
    if header is None:
        raise ValidationFailed({"file": ["The file is empty: its first row must name the columns."]})
    return header, rows


def _within_columns(number, cells):
    """The cells up to MAX_COLUMNS; 413 when a cell past it holds anything, 422 when a cell is too long."""
    if len(cells) > MAX_COLUMNS:
        if any(cells[MAX_COLUMNS:]):
            raise ContentTooLarge(f"Row {number:,} has cells past column {MAX_COLUMNS}; no column layout of this "
                                  f"API has that many.")
        cells = cells[:MAX_COLUMNS]
    for position, cell in enumerate(cells, start=1):
        if len(cell) > MAX_CELL_CHARACTERS:
            message = f"Row {number:,}, column {position}: a cell holds more than {MAX_CELL_CHARACTERS:,} characters."
            raise ValidationFailed({"file": [message]})
    return cells


def _csv_rows(data):
    # Decoded as it is read, so the text is never held twice; a BOM at the start is dropped (utf-8-sig).
    text = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")
    not_utf8 = UnsupportedMediaType("Send the CSV encoded as UTF-8 (in Excel: save as «CSV UTF-8»).")
    try:
        # Excel writes `;` where the decimal separator is a comma (Italian, Russian settings), `,` elsewhere: the
        # header row, made of column names that contain neither, tells which.
        first_line = text.readline(MAX_COLUMNS * MAX_CELL_CHARACTERS)
        text.seek(0)
    except UnicodeDecodeError:
        raise not_utf8 from None
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(text, delimiter=delimiter)
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            yield number, cells
    except UnicodeDecodeError:
        raise not_utf8 from None
    except csv.Error as error:
        raise ValidationFailed({"file": [f"Row {number + 1} is not valid CSV: {error}."]}) from None


def _xlsx_rows(data):
    not_xlsx = UnsupportedMediaType(f"The body is not an XLSX workbook; send {CSV} or {XLSX}.")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(part.file_size for part in archive.infolist())
    except (zipfile.BadZipFile, ValueError):
        raise not_xlsx from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise ContentTooLarge(f"The workbook unpacks to more than {MAX_UNPACKED_BYTES // 2**20} MiB.")
    # openpyxl raises whatever its parts' parsers raise on a damaged workbook (KeyError, ValueError, XML
    # errors, ...): each means the same to the caller, so all are answered alike.
    try:
        # data_only=False: a formula cell gives its formula's text, which is stored as text, never evaluated.
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # noqa: BLE001 - see above
        raise not_xlsx from None
    try:
        sheet = workbook.worksheets[0]
        # Read-only openpyxl pads every row to the sheet's declared <dimension> and yields every row up to its
        # last: forgetting the declaration leaves each row as wide as its own last cell, and the rows a file
        # skips come as empty tuples, which read_sheet counts against its bound.
        sheet.reset_dimensions()
        for number, values in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1):
            if len(values) > MAX_COLUMNS and not any(values[MAX_COLUMNS:]):
                values = values[:MAX_COLUMNS]
            yield number, [_cell_text(value) for value in values]
    except Exception:  # noqa: BLE001 - see above
        raise not_xlsx from None
    finally:
        workbook.close()


def _cell_text(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    # Array and data-table formulas are objects holding their text.
    return str(getattr(value, "text", value))


# Writing -----------------------------------------------------------------------------------------


def csv_lines(header, rows):
    """Yield a CSV file line by line (UTF-8 with a BOM, so spreadsheets read Cyrillic right): header, then rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(cells):
        writer.writerow([escape_formula(cell) for cell in cells])
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    yield "\ufeff" + line(header)
    for cells in rows:
        yield line(cells)


# A resource's flat columns -----------------------------------------------------------------------


class Columns:
    """The flat columns of a schema's fields: a text a column; a localised text a column per language
    (`description.it`); a list of records a column per record and field (`contacts.0.email`); any other list
    one cell, its items separated by commas."""

    def __init__(self, schema, names):
        self.fields = {name: schema.fields[name] for name in names}

    def _kind(self, name):
        field = self.fields[name]
        if isinstance(field, LocalisedText):
            return "localised"
        if isinstance(field, fields.List):
            return "records" if isinstance(field.inner, fields.Nested) else "list"
        return "text"

    def _record_fields(self, name):
        nested = self.fields[name].inner.schema
        return [sub for sub, field in nested.fields.items() if not field.dump_only]

    def header(self, representations):
        """The columns that show these representations whole: each language and record number they use."""
        languages = {name: set() for name in self.fields}
        records = dict.fromkeys(self.fields, 0)
        for representation in representations:
            for name in self.fields:
                value = representation.get(name)
                if isinstance(value, dict):
                    languages[name].update(value)
                elif isinstance(value, list):
                    records[name] = max(records[name], len(value))
        header = []
        for name in self.fields:
            kind = self._kind(name)
            if kind == "localised":
                header += [f"{name}.{language}" for language in sorted(languages[name])]
            elif kind == "records":
                header += [f"{name}.{index}.{sub}" for index in range(records[name]) for sub in self._record_fields(name)]
            else:
                header.append(name)
        return header

    def cells(self, header, representation):
        """The cells of a representation under a header header() made."""
        return [self._cell(representation, column) for column in header]

    def _cell(self, representation, column):
        name, _, rest = column.partition(".")
        value = representation.get(name)
        if rest:
            for part in rest.split("."):
                if isinstance(value, list):
                    value = value[int(part)] if int(part) < len(value) else None
                else:
                    value = (value or {}).get(part)
        if isinstance(value, list):
            return ", ".join(map(str, value))
        return "" if value is None else str(value)

    def check_header(self, header, *, extra=()):
        """Raise 422 naming each column that is unknown or given twice."""
        errors = {}
        for position, column in enumerate(header):
            if column in header[:position]:
                errors[column] = ["This column is given twice."]
            elif column not in extra and self._parse(column) is None:
                errors[column or f"column {position + 1}"] = ["Unknown column; see the documented column layout."]
        if errors:
            raise ValidationFailed(errors, detail="The file's first row names columns this import does not read.")

    def _parse(self, column):
        """(field, language or record number, record field) of a column name, or None when it names no column."""
        name, _, rest = column.partition(".")
        if name not in self.fields:
            return None
        kind = self._kind(name)
        parts = rest.split(".") if rest else []
        if kind in ("text", "list"):
            return (name, None, None) if not parts else None
        if kind == "localised":
            return (name, parts[0], None) if len(parts) == 1 and parts[0] else None
        field = self.fields[name]
        if (len(parts) == 2 and parts[0].isdigit() and int(parts[0]) < getattr(field, "max_length", 20)
                and parts[1] in self._record_fields(name)):
            return name, int(parts[0]), parts[1]
        return None

    def merge_patch(self, header, cells):
        """A JSON merge patch (RFC 7396) of the fields the header names: an empty cell removes its value."""
        patch = {}
        records = {}
        for column, cell in zip(header, cells):
            parsed = self._parse(column)
            if parsed is None:
                continue
            name, key, sub = parsed
            cell = unescape_formula(cell)
            kind = self._kind(name)
            if kind == "text":
                patch[name] = cell or None
            elif kind == "list":
                items = [item.strip() for item in LIST_SEPARATORS.split(cell) if item.strip()]
                patch[name] = items or None
            elif kind == "localised":
                patch.setdefault(name, {})[key] = cell or None
            else:
                record = records.setdefault(name, {}).setdefault(key, {})
                if cell:
                    record[sub] = cell
        for name, value in patch.items():
            if isinstance(value, dict) and not any(value.values()):
                patch[name] = None
        for name, by_number in records.items():
            patch[name] = [record for _, record in sorted(by_number.items()) if record] or None
        return patch


def uploaded_sheet():
    """Return (bytes, media type) of the spreadsheet a request sends: its body, or its multipart field `file`."""
    if request.mimetype == "multipart/form-data":
        # A part may come without a name (None): every other name is a field this import does not read.
        unknown = sorted(str(name) for name in (set(request.form) | set(request.files)) - {"file"})
        if unknown:
            raise ValidationFailed({name: ["Unknown field."] for name in unknown})
        upload = request.files.get("file")
        if upload is None:
            raise ValidationFailed({"file": ["Send the spreadsheet in the multipart field `file`."]})
        data = upload.read()
        media_type = upload.mimetype
        if media_type in ("", "application/octet-stream"):
            # Browsers and curl label a part by its file name's extension, or not at all: then its name, or else
            # its first bytes (a zip is a workbook), say which it is.
            suffix = (upload.filename or "").lower().rpartition(".")[2]
            media_type = {"csv": CSV, "xlsx": XLSX}.get(suffix) or (XLSX if data.startswith(b"PK\x03\x04") else CSV)
        return data, media_type
    if request.mimetype_params.get("charset", "utf-8").lower() not in ("utf-8", "utf8"):
        raise UnsupportedMediaType("Send the file encoded as UTF-8.")
    return request.get_data(cache=True), request.mimetype
