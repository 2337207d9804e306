"""Typst rendering with one compiler per template, kept warm: fonts, templates and unchanged layout are reused.

The data goes to the template as a JSON file in a private folder rather than as sys.inputs: Typst keeps
sys.inputs inside its standard library, whose hash is part of every memoized layout, so new inputs would lay
out every element again, while a changed file only re-lays out what depends on it.
"""

from __future__ import annotations

import functools
import json
import re
import shutil
import tempfile
import threading
import weakref
from pathlib import Path
from typing import Any

import typst

from core.documents.model import BusinessProfile, Contact, Document, Paper, document_language
from core.documents.statement import Statement
from core.i18n import _, using_language
from core.pdf.payload import LOGO_FILE, document_payload, statement_payload

PDF_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = PDF_DIR / 'templates'
FONTS_DIR = PDF_DIR / 'fonts'
STATEMENT_TEMPLATE = 'customer_statement'
_UNSAFE_FILENAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


class PdfError(RuntimeError):
    """The template could not be laid out; the message is Typst's own."""


def template_path(name: str) -> Path:
    return TEMPLATES_DIR / f'{name}.typ'


def compiler_for(template: Path) -> typst.Compiler:
    """Only the shipped fonts are visible, so a PDF looks the same on every machine."""
    return typst.Compiler(
        str(template), root=str(template.parent), font_paths=[str(FONTS_DIR)], ignore_system_fonts=True
    )


class _Slot:
    """One template's compiler, in a folder holding a copy of the template and the data file it reads."""

    def __init__(self, folder: Path, template: str) -> None:
        self.sources = [template_path(template), TEMPLATES_DIR / 'common.typ']
        self.folder = folder
        self.data_file = folder / 'data.json'
        self.logo: bytes | None = None  # the logo last written beside the data, written again only when it changes
        self.lock = threading.Lock()  # a compiler is not re-entrant, and the data files are shared with it
        self.restore()
        self.compiler = compiler_for(folder / f'{template}.typ')

    def restore(self) -> None:
        """(Re)create the folder: a long-running app can outlive a temp cleaner's sweep of it."""
        self.folder.mkdir(parents=True, exist_ok=True)
        for source in self.sources:
            shutil.copyfile(source, self.folder / source.name)
        self.logo = None

    def compile(self, data: bytes, logo: bytes | None) -> bytes:
        with self.lock:
            if not (self.folder / self.sources[0].name).exists():
                self.restore()
            if logo is not None and logo != self.logo:
                (self.folder / LOGO_FILE).write_bytes(logo)
                self.logo = logo
            self.data_file.write_bytes(data)
            try:
                # Untagged: tags make the file half as big again and a repeated render a fifth slower, and no
                # recipient's reader needs them to show or copy the text.
                result = self.compiler.compile(pdf_tags=False)
            except RuntimeError as error:
                raise PdfError(str(error)) from error
        assert isinstance(result, bytes)
        return result


class PdfRenderer:
    """Holds a compiler per template, each in its own folder of a private temporary directory."""

    def __init__(self) -> None:
        self._folder = Path(tempfile.mkdtemp(prefix='mailroom-pdf-'))
        weakref.finalize(self, shutil.rmtree, self._folder, True)
        self._slots: dict[str, _Slot] = {}
        self._guard = threading.Lock()

    def compile(self, template: str, payload: dict[str, Any], logo: bytes | None = None) -> bytes:
        """`logo`: the image file the payload's 'logo' names, if it names one."""
        data = json.dumps(payload, ensure_ascii=False, separators=(',', ':')).encode()
        return self._slot(template).compile(data, logo)

    def render(
        self,
        document: Document | Statement,
        business: BusinessProfile,
        contact: Contact | None = None,
        *,
        paper: Paper | None = None,
    ) -> bytes:
        """In the document's language: its contact's (a statement's customer's), else the business's."""
        if isinstance(document, Statement):
            with using_language(document_language(business, document.customer)):
                payload = statement_payload(document, business, paper)
            return self.compile(STATEMENT_TEMPLATE, payload, business.logo)
        if contact is None:
            raise ValueError(f'{document.title} needs its contact to be rendered.')
        with using_language(document_language(business, contact)):
            payload = document_payload(document, business, contact, paper)
        return self.compile(document.type.value, payload, business.logo)

    def _slot(self, template: str) -> _Slot:
        with self._guard:
            if template not in self._slots:
                self._slots[template] = _Slot(self._folder / template, template)
            return self._slots[template]


@functools.cache
def default_renderer() -> PdfRenderer:
    return PdfRenderer()


def render(
    document: Document | Statement,
    business: BusinessProfile,
    contact: Contact | None = None,
    *,
    paper: Paper | None = None,
) -> bytes:
    """PDF bytes of a transaction (give its contact) or of a customer statement (its customer is inside it)."""
    return default_renderer().render(document, business, contact, paper=paper)


def pdf_filename(document: Document | Statement) -> str:
    """'<Type> <Reference>.pdf', e.g. 'Sales Invoice INV-0007.pdf', safe on every file system; in the current
    language (an email's attachment: its contact's)."""
    label = _('Customer Statement') if isinstance(document, Statement) else document.type.label
    reference = _UNSAFE_FILENAME.sub('-', document.reference).strip(' .') or 'document'
    return f'{label} {reference}.pdf'
