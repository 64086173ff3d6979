"""Report quality: every rule that tells a real report from "standard answers".

The NPM's Council complained that reports read as if no visit took place. This app owns
the rules that catch that — weak texts (findings, recommendations), near copies of other
institutions' texts, and visit-level signals — so forms, the field app, review, the
dashboard and ``manage.py check_texts`` all judge by the same rules.

Layering: this app sits *below* visits, recommendations, dashboard and reports, which
import it; it imports none of them (``core/tests/test_imports.py`` refuses the cycle).
Rules take plain data — a text, a list of earlier texts, a ``VisitFacts`` summary — and
the apps that own the records gather that data.
"""
