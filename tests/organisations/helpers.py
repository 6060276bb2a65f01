"""Spreadsheets for the import and export tests: CSV text and XLSX workbooks made here."""
import io
import re
import zipfile

import openpyxl

ORGS = "/api/v1/organisations"
IMPORT = f"{ORGS}/import"
CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

HEADER = ["external_id", "name", "name_i18n.it", "name_i18n.ru", "kind", "country", "region", "city", "website",
          "sectors", "description.ru", "contacts.0.name", "contacts.0.email"]
MARCHE = ["A-1", "Confartigianato Marche", "Confartigianato Marche", "Конфартиджанато Марке", "trade_association",
          "IT", "IT-57", "Ancona", "https://www.confartigianato-marche.example", "furniture, mechanics",
          "Ассоциация ремесленников", "Lucia Verdi", "l.verdi@example.org"]
KALUGA = ["A-2", "Агентство развития Калужской области", "Agenzia di sviluppo di Kaluga",
          "Агентство развития Калужской области", "promotion_agency", "RU", "RU-KLU", "Калуга",
          "https://kaluga-agency.example", "logistics", "Инвестиции в логистику", "Иван Петров", "i.petrov@example.org"]


def row(template, **changes):
    """A copy of a row with some cells changed, by column name."""
    cells = list(template)
    for column, value in changes.items():
        cells[HEADER.index(column.replace("__", "."))] = value
    return cells


def csv_text(*rows, header=HEADER, delimiter=","):
    lines = [header, *rows]
    return "\r\n".join(delimiter.join(_quoted(cell, delimiter) for cell in line) for line in lines) + "\r\n"


def _quoted(cell, delimiter):
    return f'"{cell.replace(chr(34), chr(34) * 2)}"' if any(c in cell for c in (delimiter, '"', "\n")) else cell


def xlsx_bytes(*rows, header=HEADER):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for line in (header, *rows):
        sheet.append(line)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def send(client, headers, body, content_type=CSV, query=""):
    data = body.encode("utf-8") if isinstance(body, str) else body
    return client.post(f"{IMPORT}{query}", data=data, headers={**headers, "Content-Type": content_type})


def statuses(report):
    return [entry["status"] for entry in report["rows"]]



def declared_xlsx(dimension, cells):
    """A workbook written by hand, as a hostile client may: its sheet declares `dimension` (any range) and holds
    `cells` ({reference: text}, such as {"A1048576": "X"}) as inline strings."""
    by_row = {}
    for reference, text in cells.items():
        by_row.setdefault(int(re.sub(r"^[A-Z]+", "", reference)), []).append(
            f'<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>')
    rows = "".join(f'<row r="{number}">{"".join(row_cells)}</row>' for number, row_cells in sorted(by_row.items()))
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    relationships = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    package = "http://schemas.openxmlformats.org/package/2006"
    parts = {
        "[Content_Types].xml":
            f'<Types xmlns="{package}/content-types"><Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override '
            'PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": f'<Relationships xmlns="{package}/relationships"><Relationship Id="rId1" '
                       f'Type="{relationships}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{main}" xmlns:r="{relationships}"><sheets><sheet name="S" sheetId="1" '
                           'r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{package}/relationships"><Relationship Id="rId1" '
                                      f'Type="{relationships}/worksheet" Target="worksheets/sheet1.xml"/>'
                                      '</Relationships>',
        "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{main}"><dimension ref="{dimension}"/>'
                                    f'<sheetData>{rows}</sheetData></worksheet>',
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return out.getvalue()
