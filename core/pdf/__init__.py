"""PDFs of business documents, laid out by Typst templates that receive the data as JSON."""

from core.pdf.renderer import PdfError, PdfRenderer, default_renderer, pdf_filename, render

__all__ = ['PdfError', 'PdfRenderer', 'default_renderer', 'pdf_filename', 'render']
