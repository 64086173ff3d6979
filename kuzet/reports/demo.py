"""The demo year's annual report, written, approved and published as an NPM would
(issue 16): the secretariat translates what the report quotes, writes each section's
narrative in Russian and Kazakh, the Council approves the sections and the whole, and the
edition is published through the services (frozen content, DOCX and PDF queued).

The narrative is short but concrete: its figures are counted from the demo year, as an
editor reads them off the draft, so that text and tables agree."""

from collections import Counter
from collections.abc import Callable
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils import translation

from kuzet.people.models import User
from kuzet.recommendations.models import Recommendation
from kuzet.registry.models import Department, Institution
from kuzet.visits.models import THEMES, Finding, Visit
from kuzet.visits.services.access import LOCKED

from .editorial import (
    annual_edition_open,
    edition_approve,
    section_save,
    section_set_status,
)
from .models import AnnualEdition, AnnualSection, GeneratedReport
from .tasks import annual_edition_publish
from .translation import translation_queue, translation_save

S = AnnualSection.Status
Translate = Callable[[str], str | None]

# (Russian, Kazakh) of each section, with the year's figures as {slots}.
SECTIONS: dict[str, tuple[str, str]] = {
    "foreword": (
        "В {year} году группы национального превентивного механизма провели {visits} "
        "посещений с утверждённым отчётом в {places} учреждениях {regions} регионов, "
        "{unannounced} из них — без предварительного уведомления.\n\n"
        "Главное, что мы видели в этом году, — не отдельные нарушения, а повторяющиеся: "
        "время фактического задержания по-прежнему не фиксируется в протоколах, прогулки "
        "срываются из-за нехватки персонала, медицинский осмотр при поступлении сводится к "
        "записи «жалоб нет». Доклад называет эти проблемы, показывает, насколько они "
        "распространены, и адресует рекомендации тем, кто может их решить.\n\n"
        "Мы благодарим администрации учреждений, которые обеспечили беспрепятственный "
        "доступ, и ведомства, которые ответили на наши рекомендации по существу.",
        "{year} жылы ұлттық алдын алу тетігінің топтары {regions} өңірдегі {places} мекемеге "
        "бекітілген есебі бар {visits} бару жүргізді, оның {unannounced} алдын ала "
        "хабарламай өтті.\n\n"
        "Осы жылы көргеніміздің бастысы — жекелеген бұзушылықтар емес, қайталанатын "
        "мәселелер: ұстаудың нақты уақыты хаттамаларда әлі де тіркелмейді, персонал "
        "жетіспегендіктен серуендер өтпей қалады, қабылдау кезіндегі медициналық тексеру "
        "«шағым жоқ» деген жазбамен шектеледі. Баяндама осы мәселелерді атап, олардың "
        "қаншалықты кең таралғанын көрсетеді және ұсынымдарды оларды шеше алатындарға "
        "жолдайды.\n\n"
        "Кедергісіз қол жеткізуді қамтамасыз еткен мекеме әкімшіліктеріне және "
        "ұсынымдарымызға мәні бойынша жауап берген ведомстволарға алғыс білдіреміз.",
    ),
    "figures": (
        "За год группы провели {interviews} бесед с содержащимися и персоналом и зафиксировали "
        "{findings} проблем и {good} примеров хорошей практики. Из {recs} рекомендаций, "
        "направленных в {year} году, к концу года исполнено {implemented} ({implemented_pct} %); "
        "на {no_answer} ответ ещё не получен.",
        "Жыл ішінде топтар ұсталғандармен және персоналмен {interviews} сұхбат жүргізіп, "
        "{findings} мәселені және "
        "{good} үздік тәжірибе мысалын тіркеді. {year} жылы жіберілген {recs} ұсынымның "
        "жыл соңына қарай {implemented} орындалды ({implemented_pct} %); {no_answer} "
        "ұсынымға әлі жауап алынған жоқ.",
    ),
    "methodology": (
        "Посещения планировались по приоритетам: давность последнего посещения, жалобы и "
        "сообщения, неисполненные рекомендации. В каждом учреждении группа работала по "
        "утверждённым чек-листам для его типа, беседовала с содержащимися наедине и "
        "сверяла журналы с тем, что видела сама.\n\n"
        "В доклад вошли только посещения с отчётом, утверждённым рецензентом. Доля "
        "учреждений, где найдена проблема, считается от посещённых учреждений того же "
        "типа; числа меньше пяти в разрезе учреждений не публикуются, чтобы нельзя было "
        "узнать человека.",
        "Барулар басымдықтар бойынша жоспарланды: соңғы барудан бері өткен уақыт, шағымдар "
        "мен хабарламалар, орындалмаған ұсынымдар. Әр мекемеде топ оның түріне бекітілген "
        "тексеру парақтары бойынша жұмыс істеп, ұсталғандармен оңаша сөйлесті және "
        "журналдарды өз көргенімен салыстырды.\n\n"
        "Баяндамаға тек рецензент бекіткен есебі бар барулар енді. Мәселе табылған "
        "мекемелердің үлесі сол түрдегі барылған мекемелерден есептеледі; адамды тануға "
        "болмайтындай, мекемелер бойынша бестен аз сандар жарияланбайды.",
    ),
    "obstacles": (
        "В большинстве учреждений группы допускались без задержек. Там, где доступ "
        "задерживался или документы не выдавались, это отражено в отчётах посещений и в "
        "таблице ниже; по каждому случаю ведомству направлено письмо. Мы напоминаем: "
        "закон не требует от группы НПМ предварительного согласования посещения.",
        "Мекемелердің көпшілігінде топтар кідіріссіз кіргізілді. Қол жеткізу кешіктірілген "
        "немесе құжаттар берілмеген жерлерде бұл бару есептерінде және төмендегі кестеде "
        "көрсетілген; әр жағдай бойынша ведомствоға хат жіберілді. Еске саламыз: заң ҰАТ "
        "тобынан баруды алдын ала келісуді талап етпейді.",
    ),
    "recommendations": (
        "Ниже — рекомендации года, сначала самые приоритетные. Полный список с адресатами, "
        "сроками и состоянием исполнения секретариат ведёт отдельной таблицей. "
        "Рекомендации, повторённые из прошлых лет, означают, что прежний ответ ведомства "
        "не изменил положения на месте.",
        "Төменде — жылдың ұсынымдары, ең басымдылары алдымен. Алушылары, мерзімдері және "
        "орындалу жағдайы көрсетілген толық тізімді хатшылық жеке кестеде жүргізеді. "
        "Өткен жылдардан қайталанған ұсынымдар ведомствоның бұрынғы жауабы "
        "жердегі жағдайды өзгертпегенін білдіреді.",
    ),
    "conclusions": (
        "Координационный совет рассмотрел доклад и одобрил его.\n\n"
        "Совет считает главными задачами следующего года:\n\n"
        "- фиксацию времени фактического задержания с точностью до минуты во всех ИВС;\n"
        "- медицинский осмотр при поступлении без присутствия охраны и с описанием "
        "телесных повреждений;\n"
        "- ответы ведомств по существу на рекомендации, оставшиеся без ответа в {year} году.",
        "Үйлестіру кеңесі баяндаманы қарап, мақұлдады.\n\n"
        "Кеңес келесі жылдың басты міндеттері деп мыналарды санайды:\n\n"
        "- барлық УҰИ-де ұстаудың нақты уақытын минутқа дейін тіркеу;\n"
        "- қабылдау кезінде медициналық тексеруді күзетсіз және дене жарақаттарын "
        "сипаттай отырып жүргізу;\n"
        "- {year} жылы жауапсыз қалған ұсынымдарға ведомстволардың мәні бойынша жауап беруі.",
    ),
}
CHAPTER = (
    "В {year} году группы посетили {places} из {inventory} учреждений ведомства "
    "({visits} посещений). Чаще всего проблемы касались темы «{theme}» ({theme_n} "
    "записей). Примеры ниже выбраны из самых серьёзных и самых распространённых.",
    "{year} жылы топтар ведомствоның {inventory} мекемесінің {places} мекемесіне барды "
    "({visits} бару). Мәселелер көбінесе «{theme}» тақырыбына қатысты болды ({theme_n} "
    "жазба). Төмендегі мысалдар ең ауыр және ең кең таралғандарынан таңдалды.",
)
CHAPTER_NONE = (
    "В {year} году учреждения ведомства не посещались: в следующем году они включены в "
    "план в первую очередь.",
    "{year} жылы ведомство мекемелеріне бару болған жоқ: келесі жылы олар жоспарға бірінші "
    "кезекте енгізілді.",
)


def demo_annual_year(today: date) -> int:
    """The year the demo's report is of: this year, or the last one early in a year."""
    counts = {
        year: Visit.objects.filter(
            institution__is_demo=True, planned_date__year=year, status__in=LOCKED
        ).count()
        for year in (today.year, today.year - 1)
    }
    return max(counts, key=lambda year: (counts[year], year))


def _figures(year: int) -> dict[str, Any]:
    visits = Visit.objects.filter(planned_date__year=year, status__in=LOCKED)
    findings = Finding.objects.filter(visit__in=visits)
    recs = Recommendation.objects.issued().filter(visit__in=visits)
    implemented = recs.filter(status=Recommendation.Status.IMPLEMENTED).count()
    total = recs.count()
    return {
        "year": year,
        "visits": visits.count(),
        "places": visits.values("institution").distinct().count(),
        "regions": visits.values("institution__region").distinct().count(),
        "unannounced": visits.filter(announced=False).count(),
        "interviews": sum(v.interviews.count() for v in visits.prefetch_related("interviews")),
        "findings": findings.filter(good_practice=False).count(),
        "good": findings.filter(good_practice=True).count(),
        "recs": total,
        "implemented": implemented,
        "implemented_pct": round(100 * implemented / total) if total else 0,
        "no_answer": recs.filter(status=Recommendation.Status.ISSUED).count(),
    }


def _chapter(department: Department, year: int, language: str) -> str:
    visits = Visit.objects.filter(
        planned_date__year=year, status__in=LOCKED, institution__department=department
    )
    slots: dict[str, Any] = {
        "year": year,
        "visits": visits.count(),
        "places": visits.values("institution").distinct().count(),
        "inventory": Institution.objects.filter(
            department=department, status=Institution.Status.ACTIVE
        ).count(),
    }
    if not slots["visits"]:
        return CHAPTER_NONE[language == "kk"].format(**slots)
    themes = Counter(
        Finding.objects.filter(visit__in=visits, good_practice=False).values_list(
            "theme", flat=True
        )
    )
    theme, n = themes.most_common(1)[0] if themes else ("material_conditions", 0)
    with translation.override(language):
        slots.update(theme=str(THEMES.get(theme, theme)), theme_n=n)
    return CHAPTER[language == "kk"].format(**slots)


def _translate_quoted(year: int, actor: User, translate: Translate) -> int:
    """The secretariat's translation work: each passage the report quotes that lacks a
    text gets the one ``translate`` knows for it (from its text in the other language);
    returns how many are left untranslated."""
    left = 0
    for passage in translation_queue(year, ""):
        if passage.done:
            continue
        text = translate(" ".join(passage.text.split()))
        if not text:
            left += 1
            continue
        try:
            translation_save(
                actor=actor,
                year=year,
                source=passage.source,
                language=passage.language,
                text=text,
            )
        except ValidationError:
            left += 1  # refused as a person's would be: the passage stays marked
    return left


def demo_annual_report(*, today: date, translate: Translate) -> list[GeneratedReport]:
    """Write, approve and publish the annual report of the demo year (unless an edition of
    it is published already); returns its files (PDF, DOCX in ru and kk), queued."""
    year = demo_annual_year(today)
    if AnnualEdition.objects.filter(year=year, status=AnnualEdition.Status.PUBLISHED).exists():
        return []
    secretariat = User.objects.get(username="demo-secretariat")
    council = User.objects.get(username="demo-council")
    left = _translate_quoted(year, secretariat, translate)
    edition = annual_edition_open(actor=secretariat, year=year)
    figures = _figures(year)
    departments = {d.code: d for d in Department.objects.all()}
    for section in edition.sections.order_by("position"):
        if section.key.startswith("chapter:"):
            department = departments[section.key.split(":", 1)[1]]
            ru, kk = (_chapter(department, year, lang) for lang in ("ru", "kk"))
        else:
            ru, kk = (text.format(**figures) for text in SECTIONS[section.key])
        section = section_save(
            actor=secretariat, section=section, text_ru=ru, text_kk=kk, version=section.version
        )
        section_set_status(actor=secretariat, section=section, status=S.READY)
        section_set_status(actor=council, section=section, status=S.APPROVED)
    edition = edition_approve(actor=council, edition=edition)
    # Whatever the demo could not translate is published marked, as the page says.
    return annual_edition_publish(actor=secretariat, edition=edition, marked=bool(left))


def departments_with_visits(year: int) -> dict[str, int]:
    """Approved visits of the year by department code (for the demo's own check)."""
    rows = (
        Visit.objects.filter(planned_date__year=year, status__in=LOCKED)
        .values("institution__department__code")
        .annotate(n=Count("pk"))
    )
    return {r["institution__department__code"]: r["n"] for r in rows}
