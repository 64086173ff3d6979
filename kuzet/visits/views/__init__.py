"""Pages of visits, one module per concern: the list and planning (``visits``), the overview
and record tabs with the lifecycle steps (``overview``), recording pages (``records``),
checklists (``responses``), review (``review``), media evidence (``media``) and the register of video appeals
(``appeals``); the
workspace helpers they share are ``kuzet.visits.workspace``."""

from kuzet.visits.views.appeals import appeal_detail, appeal_list
from kuzet.visits.views.media import media_file, media_tab, media_upload
from kuzet.visits.views.overview import (
    visit_detail,
    visit_tab,
    visit_times_view,
    visit_transition_view,
)
from kuzet.visits.views.quality import text_check
from kuzet.visits.views.records import (
    allegation_edit,
    allegation_new,
    finding_edit,
    finding_new,
    interview_edit,
    interview_new,
)
from kuzet.visits.views.responses import response_edit, response_start_view, responses_tab
from kuzet.visits.views.review import (
    amendment_view,
    comment_resolve,
    review_comment_view,
    review_tab,
)
from kuzet.visits.views.visits import visit_list, visit_plan_view

__all__ = [
    "allegation_edit",
    "allegation_new",
    "amendment_view",
    "appeal_detail",
    "appeal_list",
    "comment_resolve",
    "finding_edit",
    "finding_new",
    "interview_edit",
    "interview_new",
    "media_file",
    "media_tab",
    "media_upload",
    "response_edit",
    "response_start_view",
    "responses_tab",
    "review_comment_view",
    "review_tab",
    "text_check",
    "visit_detail",
    "visit_list",
    "visit_plan_view",
    "visit_tab",
    "visit_times_view",
    "visit_transition_view",
]
