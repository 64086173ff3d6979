"""Done when (issue 18), in Chromium: the secretariat invites an official and sends a visit's
recommendations; the official creates the account from the link (signed in at once, they
enrol a second factor, people.invitations), answers one
with an action plan and a PDF; the NPM assesses it; the public site shows the new status and
the open-data CSV changed. Screenshots in Russian, Kazakh and at a phone's width."""

import base64
import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from django_otp.oath import TOTP

from kuzet.core.tests.browser import CHROMIUM, CHROMIUM_ARGS, DEMO_VAR_DIRS, ROOT, sign_in

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(os.environ.get("KUZET_SCREENSHOTS", "var/screenshots"))
PASSWORD = "portal-browser-password-2026"

# An approved visit with one recommendation to the police, to a demo institution other
# than the demo visit's (the other browser tests use that one).
SETUP = """
from datetime import date, timedelta
from django.utils import timezone
from kuzet.core.audit import SYSTEM, acting_as
from kuzet.people.models import User
from kuzet.recommendations.models import Addressee
from kuzet.recommendations.services import recommendation_record
from kuzet.registry.models import Institution
from kuzet.visits.models import TeamMember, Visit
from kuzet.visits.services.planning import TeamPlace, visit_plan
S = Visit.Status
leader = User.objects.get(username="demo-leader")
used = Visit.objects.values_list("institution_id", flat=True)
place = Institution.objects.filter(is_demo=True, region__kato="750000000").exclude(pk__in=used).first()
with acting_as(SYSTEM):
    visit = visit_plan(
        actor=User.objects.get(username="demo-coordinator"), institution=place,
        planned_date=timezone.localdate() - timedelta(days=2),
        team=[TeamPlace(leader, TeamMember.Role.LEADER),
              TeamPlace(User.objects.get(username="demo-participant"), TeamMember.Role.MEMBER)],
        objectives="Проверка условий содержания (браузерный тест портала).",
    )
    recommendation_record(
        actor=leader, visit=visit, addressee=Addressee.objects.get(code="dept-mia-police"),
        theme="material_conditions", deadline=timezone.localdate() + timedelta(days=60),
        text_ru="Обеспечить естественное освещение в камерах № 2 и № 5, заменив стеклоблоки окнами до 1 июля 2027 года.",
    )
# The lifecycle up to approval (checklists, review) is the walkthrough's test: start here
# from an approved visit.
Visit.objects.filter(pk=visit.pk).update(status=S.APPROVED)
print(visit.pk)
"""


def prepare(base: str) -> int:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KUZET_", "DATABASE_URL"))}
    env.update(KUZET_DEBUG="1", KUZET_DEMO="1", KUZET_VAR_DIR=str(DEMO_VAR_DIRS[base]))
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SETUP],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return int(done.stdout.strip().splitlines()[-1])


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310
        return str(response.read().decode())


def shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"portal-{name}.png"), full_page=True)


def test_an_answer_travels_from_the_official_to_the_npm_and_the_public_site(
    demo_server: str, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    base = demo_server
    visit_pk = prepare(base)
    csv_before = fetch(f"{base}/public/ru/data/addressees.csv")
    pdf = tmp_path / "plan.pdf"
    pdf.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        staff = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU")
        page = staff.new_page()
        sign_in(page, base, "demo-secretariat")
        # The secretariat invites the police's official: the link is shown once.
        page.goto(f"{base}/portal/officials/")
        page.select_option(
            "#id_addressee", label="Органы внутренних дел (полиция) Министерства внутренних дел"
        )
        page.fill("#id_full_name", "Ержан Калиев")
        page.fill("#id_email", "kaliev@police.example.kz")
        page.click("form button.btn")
        link = page.inner_text("code.invitation-link").strip()
        assert "/portal/invitation/" in link
        official = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU")
        opage = official.new_page()
        opage.goto(link)
        opage.fill("#id_username", "kaliev")
        opage.fill("#id_password", PASSWORD)
        opage.fill("#id_password_again", PASSWORD)
        opage.click("form button.btn")
        opage.wait_for_url(re.compile(r".*/accounts/two-factor/setup/.*"))
        secret = opage.inner_text("main code").strip()
        key = base64.b32decode(secret + "=" * (-len(secret) % 8))
        opage.fill("#id_token", f"{TOTP(key).token():06d}")
        opage.click("main form button.btn")
        opage.wait_for_url(f"{base}/portal/")

        # The secretariat sends the visit's report: its recommendation is issued to the police.
        page.goto(f"{base}/recommendations/visit/{visit_pk}/send/")
        page.click("form button.btn")
        page.wait_for_load_state()
        assert page.locator(".messages .success").count() == 1

        opage.goto(f"{base}/portal/")
        assert opage.locator("a.bell .count").count() == 1  # told of the sent report
        opage.click("table.data a")
        shot(opage, "official-recommendation-ru")
        opage.select_option("#id_position", "accepted")
        opage.fill("#id_text", "Принято. Замена окон включена в план ремонта.")
        opage.fill("#id_plan_action_0", "Заменить стеклоблоки окнами в камерах № 2 и № 5")
        opage.fill("#id_plan_due_0", "2027-05-01")
        opage.set_input_files("#id_evidence", str(pdf))
        opage.click("form button.btn")
        opage.wait_for_load_state()
        assert opage.locator(".messages .success").count() == 1
        assert "plan.pdf" in opage.inner_text(".answer")
        shot(opage, "official-answered-ru")

        # The NPM assesses the answer on its page of the recommendation.
        page.goto(f"{base}/recommendations/?status=accepted")
        page.click("table a:has-text('естественное освещение')")
        assert "plan.pdf" in page.inner_text(".answer")
        page.select_option("#id_grade", "implemented")
        page.select_option("#id_rating", "A")
        page.fill("#id_comment", "Окна заменены, проверено по акту приёмки.")
        page.click("form[action*='/assess/'] button.btn")
        page.wait_for_load_state()
        assert page.locator(".messages .success").count() == 1
        shot(page, "npm-assessed-ru")

        # The public site, no sign-in: the new status, and the data changed.
        public = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU")
        ppage = public.new_page()
        ppage.goto(f"{base}/public/ru/addressees/?addressee=dept-mia-police")
        statuses = ppage.locator(".card.rec .status").all_inner_texts()
        assert (
            "выполнена" in " ".join(statuses).lower() or "выполнено" in " ".join(statuses).lower()
        ), statuses
        assert "Принято. Замена окон" in ppage.inner_text("main")
        shot(ppage, "public-addressee-ru")
        ppage.goto(f"{base}/public/kk/")
        shot(ppage, "public-index-kk")
        ppage.goto(f"{base}/public/kk/addressees/?addressee=dept-mia-police")
        shot(ppage, "public-addressee-kk")
        phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="ru-RU")
        mpage = phone.new_page()
        mpage.goto(f"{base}/public/ru/")
        shot(mpage, "public-index-phone")
        mpage.goto(f"{base}/public/ru/addressees/?addressee=dept-mia-police")
        shot(mpage, "public-addressee-phone")
        width = mpage.evaluate("document.documentElement.scrollWidth")
        assert width <= 400, width  # nothing wider than the phone
        browser.close()

    csv_after = fetch(f"{base}/public/ru/data/addressees.csv")
    assert csv_after != csv_before
