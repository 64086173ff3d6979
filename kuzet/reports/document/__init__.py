"""A report's data laid out as a document: a title and a list of blocks.

Both outputs read the same blocks: the HTML templates (on screen, and WeasyPrint's PDF;
``kuzet.reports.render``) and the DOCX writer (``kuzet.reports.docx_render``), so that the
three say the same thing in the same order. Call inside ``translation.override(language)``:
the headings are translated here. ``blocks`` says what a block is; ``visit`` and
``annual`` lay out each kind of report, one function per chapter.
"""

from .annual import annual_document
from .visit import visit_document

__all__ = ["annual_document", "visit_document"]
