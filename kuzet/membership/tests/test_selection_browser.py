"""The issue's whole path in a phone's browser: an outsider applies on the public page,
confirms the address from the e-mail, the Council scores and decides, the selected
applicant accepts the invitation, enrols a second factor, completes onboarding and is put
on a visit team, and a duty officer verifies the mandate by its code. Screenshots (ru) go
to var/screenshots/ for a person to look at."""

import base64
import re
from pathlib import Path
from typing import Any

import pytest
from django_otp.oath import TOTP

from kuzet.core.tests.browser import CHROMIUM, CHROMIUM_ARGS, DEMO_VAR_DIRS, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[3]
SCREENSHOTS = ROOT / "var" / "screenshots"
PHONE = {"width": 390, "height": 844}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"selection-{name}.png"), full_page=True)


def link_in_mail(base: str, to: str, path: str) -> str:
    """The newest link under ``path`` in the e-mails to ``to`` the server wrote to files."""
    found = []
    for message in sorted((DEMO_VAR_DIRS[base] / "mail").glob("*.log")):
        for part in message.read_text().split("-" * 79):
            if f"To: {to}" in part:
                found += re.findall(re.escape(base) + re.escape(path) + r"[^\s]+", part)
    assert found, f"no e-mail to {to} with {path}"
    return found[-1]


def test_from_the_public_call_to_a_verified_mandate(demo_server: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    base = demo_server
    email = "dana.applicant@example.kz"
    name = "Дана Сейтказиева"
    cv = tmp_path / "cv.pdf"
    cv.write_bytes(PDF)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

        def phone() -> Any:
            context = browser.new_context(viewport=PHONE, locale="ru-RU", is_mobile=True)
            return context.new_page()

        # An outsider on a phone: the public call, the form, the confirmation link.
        page = phone()
        page.goto(f"{base}/apply/")
        page.click("text=Прочитать и подать заявку")
        shot(page, "1-call")
        page.fill("#id_full_name", name)
        page.fill("#id_email", email)
        page.fill("#id_phone", "+7 701 555 44 33")
        page.select_option("#id_region", label="город Алматы")
        page.fill("#id_education", "КазНУ им. аль-Фараби, юрист")
        page.fill("#id_experience", "Восемь лет в правозащитной организации")
        page.fill("#id_motivation", "Хочу, чтобы в местах лишения свободы соблюдался закон.")
        for radio in page.locator("fieldset.ground input[value=no]").all():
            radio.check()
        page.set_input_files("#id_attachments", str(cv))
        page.check("#id_consent")
        page.check("#id_publish_name")
        page.click("form.apply-form button[type=submit]")
        page.wait_for_url(f"{base}/apply/sent/")
        page.goto(link_in_mail(base, email, "/apply/status/"))
        assert "адрес подтверждён" in page.inner_text("main")
        reference = page.inner_text("dl.facts code")
        shot(page, "2-status")
        page.context.close()

        # The Council member scores; the secretariat records the decision and invites.
        page = phone()
        sign_in(page, base, "demo-council")
        assert reference in page.inner_text("main")  # "applications to score" on the home page
        page.click(f"text={reference}")
        for field in page.locator("input[name^=s-criterion_]").all():
            field.fill("9")
        page.click("text=Записать мои баллы")
        page.wait_for_url(f"{base}/membership/calls/*/")
        page.context.close()

        page = phone()
        sign_in(page, base, "demo-secretariat")
        page.goto(f"{base}/membership/calls/")
        page.click("text=Отбор участников НПМ 2027")
        page.click("text=Записать решение Совета")
        # The decision is taken at a Council meeting: one of its agenda items.
        page.select_option("#id_agenda_item", index=1)
        page.click(f"#id_selected label:has-text('{reference}')")
        assert page.is_checked(f"#id_selected label:has-text('{reference}') input")
        page.select_option("select[name^=vote_]", "for")
        page.fill("#id_reasons", "Наивысший балл по опубликованным критериям.")
        page.click("text=Записать решение и сообщить заявителям")
        assert "Решение принято на заседании" in page.inner_text("main")
        page.click("text=Опубликовать итоги")
        page.click(f"text={reference}")
        page.click("text=Отправить приглашение")
        assert "Приглашение отправлено" in page.inner_text("main")
        page.context.close()

        # The applicant accepts: account, second factor, onboarding.
        page = phone()
        page.goto(link_in_mail(base, email, "/apply/status/"))
        assert "отобран(а)" in page.inner_text("main")
        page.goto(link_in_mail(base, email, "/apply/invitation/"))
        page.fill("#id_username", "dana")
        page.fill("#id_password", "dana-long-passphrase-2027")
        page.fill("#id_password_again", "dana-long-passphrase-2027")
        page.click("main form button.btn")
        page.wait_for_url(re.compile(r".*/accounts/two-factor/setup/.*"))
        secret = page.inner_text("main code").strip()
        key = base64.b32decode(secret + "=" * (-len(secret) % 8))
        page.fill("#id_token", f"{TOTP(key).token():06d}")
        page.click("main form button.btn")
        page.wait_for_url(f"{base}/membership/onboarding/")
        # The test of the standard library (an instrument), rendered from its version.
        for question, value in (("reprisals", "b"), ("private", "a"), ("identities", "c"),
                                ("refusal", "b"), ("facts", "a"), ("facts", "b")):  # fmt: skip
            page.check(f"input[name={question}][value={value}]")
        page.check("#id_acknowledge")
        page.click("text=Завершить вводное обучение")
        code = page.inner_text("code.mandate-code").strip()
        shot(page, "3-onboarded")
        page.context.close()

        # A group leader of the region puts the new participant on a visit team.
        page = browser.new_context(
            viewport={"width": 1280, "height": 900}, locale="ru-RU"
        ).new_page()
        sign_in(page, base, "demo-leader")
        page.goto(f"{base}/visits/plan/")
        institution = page.evaluate(
            "() => [...document.querySelectorAll('#id_institution option')]"
            ".find(o => o.textContent.includes('ИВС')).value"
        )
        page.select_option("#id_institution", institution)
        page.fill("#id_planned_date", "2027-02-15")
        page.select_option("#id_leader", label="Руководитель группы, г. Алматы (демо)")
        page.click(f"#id_members label:has-text('{name}')")
        page.click("main form button.btn")
        page.wait_for_url(f"{base}/visits/*/")
        assert name in page.inner_text("main")
        page.context.close()

        # The duty officer at the gate types the code.
        page = phone()
        page.goto(f"{base}/verify/")
        page.fill("#id_code", code.lower())
        page.click("main form button.btn")
        verdict = page.inner_text(".verdict")
        assert "ДЕЙСТВИТЕЛЕН СЕГОДНЯ" in verdict and name in verdict
        assert email not in page.content()
        shot(page, "4-verified")
        page.context.close()
        browser.close()
