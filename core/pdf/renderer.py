"""Typst rendering with one compiler per template, kept warm: fonts and templates are parsed once per process."""

from __future__ import annotations

import functools
import json
import re
import threading
from pathlib import Path
from typing import Any

import typst

from core.documents.model import BusinessProfile, Contact, Document, Paper
from core.documents.statement import Statement
from core.pdf.payload import document_payload, statement_payload

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
    return typst.Compiler(str(template), root=str(TEMPLATES_DIR), font_paths=[str(FONTS_DIR)], ignore_system_fonts=True)


class PdfRenderer:
    """Holds a compiler per template; a lock per template because a compiler is not re-entrant."""

    def __init__(self) -> None:
        self._compilers: dict[str, tuple[typst.Compiler, threading.Lock]] = {}
        self._guard = threading.Lock()

    def compile(self, template: str, payload: dict[str, Any]) -> bytes:
        compiler, lock = self._compiler(template)
        data = json.dumps(payload, ensure_ascii=False, separators=(',', ':'))
        with lock:
            try:
                # Untagged: tagging costs a third of the render time and no recipient's reader needs it to show text.
                result = compiler.compile(sys_inputs={'data': data}, pdf_tags=False)
            except RuntimeError as error:
                raise PdfError(str(error)) from error
        assert isinstance(result, bytes)
        return result

    def render(
        self,
        document: Document | Statement,
        business: BusinessProfile,
        contact: Contact | None = None,
        *,
        paper: Paper | None = None,
    ) -> bytes:
        if isinstance(document, Statement):
            return self.compile(STATEMENT_TEMPLATE, statement_payload(document, business, paper))
        if contact is None:
            raise ValueError(f'{document.title} needs its contact to be rendered.')
        return self.compile(document.type.value, document_payload(document, business, contact, paper))

    def _compiler(self, template: str) -> tuple[typst.Compiler, threading.Lock]:
        with self._guard:
            if template not in self._compilers:
                self._compilers[template] = (compiler_for(template_path(template)), threading.Lock())
            return self._compilers[template]


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
    """'<Type> <Reference>.pdf', e.g. 'Sales Invoice INV-0007.pdf', safe on every file system."""
    label = 'Customer Statement' if isinstance(document, Statement) else document.type.label
    reference = _UNSAFE_FILENAME.sub('-', document.reference).strip(' .') or 'document'
    return f'{label} {reference}.pdf'
