"""Demo of the addressee portal: an official of the addressee with the most open
recommendations (``demo-official``, the demo password), a few answers of theirs with an
action plan and a PDF, and the secretariat's assessment of one (demo configuration only)."""

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Count, Q

from kuzet.core.policy import Role
from kuzet.people.demo import DEMO_PASSWORD
from kuzet.people.models import User
from kuzet.portal.models import Official
from kuzet.portal.services import answer_assess, answer_record
from kuzet.recommendations.models import OPEN_STATUSES, Addressee, Recommendation

DEMO_OFFICIAL = "demo-official"
R = Recommendation.Status
# A one-page PDF ("Action plan") small enough to keep in the code.
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 300 144]/Contents 4 0 R"
    b"/Resources<</Font<</F1 5 0 R>>>>>>endobj\n"
    b"4 0 obj<</Length 44>>stream\nBT /F1 18 Tf 20 70 Td (Action plan) Tj ET\nendstream endobj\n"
    b"5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


@transaction.atomic
def demo_portal_create() -> int:
    """Create the demo official and their answers if missing; returns the answers made."""
    if User.objects.filter(username=DEMO_OFFICIAL).exists():
        return 0
    addressee = (
        Addressee.objects.annotate(
            waiting=Count("recommendations", filter=Q(recommendations__status__in=OPEN_STATUSES))
        )
        .filter(waiting__gte=3)
        .order_by("-waiting", "code")
        .first()
    )
    if addressee is None:
        return 0
    user = User(
        username=DEMO_OFFICIAL,
        role=Role.ADDRESSEE,
        full_name="Должностное лицо адресата (демо)",
        email="official@demo.kuzet.invalid",
    )
    user.set_password(DEMO_PASSWORD)
    user.full_clean()
    user.save()
    Official(user=user, addressee=addressee, position="Начальник отдела (демо)").save()
    waiting = list(
        Recommendation.objects.filter(addressee=addressee, status__in=OPEN_STATUSES)
        .select_related("visit")
        .order_by("-visit__planned_date", "pk")[:3]
    )
    secretariat = User.objects.get(username="demo-secretariat")
    first, second, third = waiting
    plan_day = (first.deadline or first.visit.planned_date) - timedelta(days=10)
    accepted = answer_record(
        actor=user,
        recommendation=first,
        position="accepted",
        text="Рекомендация принята. Работы включены в план капитального ремонта (демо).",
        plan=[
            ("Подготовить смету работ (демо)", plan_day - timedelta(days=30)),
            ("Выполнить работы и представить акт приёмки (демо)", plan_day),
        ],
        files=[SimpleUploadedFile("plan-meropriyatiy.pdf", DEMO_PDF)],
    )
    answer_record(
        actor=user,
        recommendation=second,
        position="partly",
        text="Принята частично: штатная численность медработников определяется министерством; "
        "график приёма врача изменён (демо).",
    )
    answer_record(
        actor=user,
        recommendation=third,
        position="not_accepted",
        text="Не принята: помещение признано соответствующим нормам по акту проверки (демо).",
    )
    answer_assess(
        actor=secretariat,
        answer=accepted,
        grade="more",
        rating="B",
        comment="Приложите утверждённую смету и сроки финансирования (демо).",
    )
    return 3
