"""The demo year's recommendations (Russian and Kazakh) and their follow-up over the year,
through the services: the hooks ``kuzet.visits.demo.demo_year_create`` calls."""

import random
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from kuzet.people.models import User
from kuzet.recommendations.models import Addressee, Recommendation, StatusChange
from kuzet.recommendations.services import recommendation_assess, recommendation_record
from kuzet.visits.demo_texts import Facts
from kuzet.visits.models import Finding, Visit

R = Recommendation.Status
L = Recommendation.Level

# theme -> [(level, Russian, Kazakh)] with the visit's facts as {slots}.
TEXTS: dict[str, list[tuple[str, str, str]]] = {
    "material_conditions": [
        (
            L.INSTITUTION,
            "{head_cap}: до {deadline} привести размещение {in_rooms} № {a} и № {b} в соответствие с нормой 4 м² на человека, перераспределив {people_acc} по свободным помещениям, и ежедневно отмечать фактическое наполнение в журнале.",
            "Мекеме басшылығына: {deadline} дейін № {a} және № {b} үй-жайларда бір адамға 4 м² нормасын сақтау, адамдарды бос үй-жайларға орналастыру және нақты толықтығын күн сайын журналда белгілеу.",
        ),
        (
            L.DEPARTMENT,
            "Департаменту: включить в план ремонта на следующий год замену системы отопления корпуса, где {in_rooms} № {a}, № {b} температура не превышала 16 °C, и сообщить НПМ о выделенных средствах до {deadline}.",
            "Департаментке: № {a}, № {b} үй-жайлары орналасқан корпустың жылу жүйесін ауыстыруды келесі жылғы жөндеу жоспарына енгізу және бөлінген қаражат туралы {deadline} дейін ҰАТМ-ге хабарлау.",
        ),
        (
            L.INSTITUTION,
            "{head_cap}: до {deadline} оборудовать санузлы {in_rooms} № {a} и № {b} перегородками высотой не менее 1,5 м и исключить их из поля обзора видеокамер.",
            "Мекеме басшылығына: {deadline} дейін № {a} және № {b} үй-жайлардағы дәретханаларды биіктігі кемінде 1,5 м қалқамен қоршау және оларды бейнекамералардың көру аймағынан шығару.",
        ),
        (
            L.INSTITUTION,
            "{head_cap}: снять металлические листы с окон {rooms_gen} № {a}, № {b} до {deadline}, обеспечив освещённость у спальных мест не ниже 100 лк, и представить акт замера.",
            "Мекеме басшылығына: {deadline} дейін № {a}, № {b} үй-жайлардың терезелеріндегі металл қаңылтырларды алу, ұйықтайтын орындағы жарықтандыруды кемінде 100 лк қамтамасыз ету.",
        ),
    ],
    "safeguards": [
        (
            L.INSTITUTION,
            "{head_cap}: с {start} вносить в протокол и журнал точное время фактического задержания (часы и минуты) и проводить ежемесячную сверку журналов; результаты сверки за три месяца представить до {deadline}.",
            "Мекеме басшылығына: {start} бастап хаттамаға және журналға ұстаудың нақты уақытын (сағат пен минут) енгізу, журналдарды ай сайын салыстыру; үш айдың нәтижесін {deadline} дейін ұсыну.",
        ),
        (
            L.INSTITUTION,
            "{head_cap}: обеспечить каждому поступающему звонок родственникам в первые 3 часа с записью в журнале (кто, кому, когда) и выдачу памятки о правах под подпись; проверить исполнение до {deadline}.",
            "Мекеме басшылығына: әр түскен адамға алғашқы 3 сағатта туыстарына қоңырау шалуды журналға жаза отырып және құқықтар туралы жадынаманы қолхатпен беруді қамтамасыз ету; орындалуын {deadline} дейін тексеру.",
        ),
        (
            L.DEPARTMENT,
            "Департаменту: до {deadline} установить опечатанные ящики для обращений вне зоны видеонаблюдения во всех подведомственных учреждениях региона и закрепить порядок их вскрытия прокурором.",
            "Департаментке: {deadline} дейін аймақтағы барлық ведомстволық мекемелерде бейнебақылаудан тыс мөрленген өтініш жәшіктерін орнату және оларды прокурордың ашу тәртібін бекіту.",
        ),
        (
            L.LEGISLATION,
            "Правительству: внести в Уголовно-процессуальный кодекс обязанность фиксировать время фактического задержания с точностью до минуты и уведомлять родственников не позднее 3 часов; проект внести до {deadline}.",
            "Үкіметке: Қылмыстық-процестік кодекске ұстаудың нақты уақытын минутқа дейін тіркеу және туыстарын 3 сағаттан кешіктірмей хабардар ету міндетін енгізу; жобаны {deadline} дейін енгізу.",
        ),
    ],
    "treatment": [
        (
            L.INSTITUTION,
            "{head_cap}: регистрировать каждое применение силы и специальных средств с обязательным медицинским осмотром в течение часа; прокурору направлять копии записей ежемесячно, начиная с {start}.",
            "Мекеме басшылығына: күш пен арнайы құралдарды қолданудың әр жағдайын бір сағат ішінде міндетті медициналық тексерумен тіркеу; жазбалардың көшірмелерін {start} бастап ай сайын прокурорға жіберу.",
        ),
        (
            L.DEPARTMENT,
            "Департаменту: до {deadline} оснастить видеонаблюдением помещения досмотра и лестничные пролёты, увеличить срок хранения записей до 30 суток и проверить исполнение в учреждении.",
            "Департаментке: {deadline} дейін тінту бөлмелері мен баспалдақтарды бейнебақылаумен жабдықтау, жазбаларды сақтау мерзімін 30 тәулікке дейін ұзарту.",
        ),
        (
            L.INSTITUTION,
            "{head_cap}: прекратить фиксацию ремнями без назначения врача и без записи в журнале; изъятые ремни из {rooms_gen} № {a} передать на хранение в медицинскую часть до {deadline}.",
            "Мекеме басшылығына: дәрігердің тағайындауынсыз және журналға жазбай белбеумен бекітуді тоқтату; № {a} үй-жайдан алынған белбеулерді {deadline} дейін медициналық бөлімге сақтауға тапсыру.",
        ),
    ],
    "health_care": [
        (
            L.DEPARTMENT,
            "Управлению здравоохранения: до {deadline} обеспечить ежедневное присутствие медицинского работника на полную ставку, включая выходные, и запас лекарств по утверждённому перечню.",
            "Денсаулық сақтау басқармасына: {deadline} дейін медицина қызметкерінің демалыс күндерін қоса алғанда күн сайын толық ставкада болуын және бекітілген тізім бойынша дәрі қорын қамтамасыз ету.",
        ),
        (
            L.INSTITUTION,
            "{head_cap}: проводить медицинские осмотры без присутствия охраны и описывать каждое телесное повреждение по форме Стамбульского протокола с фотофиксацией; обучение фельдшеров завершить до {deadline}.",
            "Мекеме басшылығына: медициналық тексеруді күзетсіз жүргізу және әр дене жарақатын Стамбул хаттамасы нысаны бойынша фотосуретпен сипаттау; фельдшерлерді оқытуды {deadline} дейін аяқтау.",
        ),
        (
            L.INSTITUTION,
            "{head_cap}: организовать осмотр психиатром всех {people_gen} с отмеченным риском суицида в течение 7 дней и ввести скрининг при поступлении до {deadline}.",
            "Мекеме басшылығына: суицид қаупі белгіленген барлық адамдарды 7 күн ішінде психиатрдың тексеруін ұйымдастыру және {deadline} дейін қабылдау кезінде скринингті енгізу.",
        ),
    ],
    "regime": [
        (
            L.INSTITUTION,
            "{head_cap}: с {start} обеспечить ежедневную прогулку не менее 1 часа каждому, вести журнал прогулок с указанием времени вывода и возвращения.",
            "Мекеме басшылығына: {start} бастап әр адамға күн сайын кемінде 1 сағат серуенді қамтамасыз ету, шығару және қайтару уақытын көрсете отырып серуен журналын жүргізу.",
        ),
        (
            L.INSTITUTION,
            "{head_cap}: отремонтировать таксофон в корпусе и предоставлять звонки родственникам не реже двух раз в неделю по 15 минут; исполнение подтвердить до {deadline}.",
            "Мекеме басшылығына: корпустағы таксофонды жөндеу және туыстарына аптасына кемінде екі рет 15 минуттан қоңырау шалуды қамтамасыз ету; {deadline} дейін растау.",
        ),
        (
            L.DEPARTMENT,
            "Департаменту: до {deadline} организовать подписку на периодические издания на казахском и русском языках и пополнить библиотеку учреждения не менее чем на 200 книг.",
            "Департаментке: {deadline} дейін қазақ және орыс тілдеріндегі мерзімді басылымдарға жазылуды ұйымдастыру және кітапхананы кемінде 200 кітаппен толықтыру.",
        ),
    ],
    "personnel": [
        (
            L.DEPARTMENT,
            "Департаменту: до {deadline} укомплектовать ночную смену не менее чем 4 сотрудниками, включая сотрудницу для досмотра женщин, и провести обучение по запрету пыток для всего персонала.",
            "Департаментке: {deadline} дейін түнгі ауысымды кемінде 4 қызметкермен, оның ішінде әйелдерді тексеретін әйел қызметкермен жасақтау және бүкіл персоналды азаптауға тыйым салу бойынша оқыту.",
        ),
        (
            L.INSTITUTION,
            "{head_cap}: обязать сотрудников дежурной смены носить нагрудные знаки с номером и сохранять записи видеорегистраторов не менее 30 суток начиная с {start}.",
            "Мекеме басшылығына: {start} бастап кезекші ауысым қызметкерлерін нөмірлі төсбелгі тағуға және бейнетіркегіш жазбаларын кемінде 30 тәулік сақтауға міндеттеу.",
        ),
    ],
    "access": [
        (
            L.DEPARTMENT,
            "Департаменту: напомнить руководителям подведомственных учреждений об обязанности допускать группы НПМ незамедлительно и представлять документы по запросу; разбор случая {day} завершить до {deadline}.",
            "Департаментке: ведомстволық мекемелер басшыларына ҰАТМ топтарын кідіртпей кіргізу және сұрау бойынша құжаттарды ұсыну міндетін еске салу; {day} жағдайын {deadline} дейін талдау.",
        ),
    ],
}
FOLLOW_UP_EVIDENCE: dict[str, list[str]] = {
    R.ACCEPTED: ["Письмо учреждения № {n} от {d}: рекомендация принята, назначен ответственный.",
                 "Ответ департамента исх. № {n} от {d}: включено в план мероприятий."],
    R.REJECTED: ["Ответ № {n} от {d}: администрация считает требование исполненным, ссылаясь на норму 2,5 м².",
                 "Письмо № {n} от {d}: отказ со ссылкой на отсутствие финансирования."],
    R.IN_PROGRESS: ["Промежуточный отчёт № {n} от {d}: работы начаты, срок окончания перенесён."],
    R.IMPLEMENTED: ["Проверено при повторном посещении {d}: исполнено, подтверждено осмотром и журналами.",
                    "Акт выполненных работ № {n} от {d}, фотографии представлены."],
    R.PARTLY: ["Повторное посещение {d}: исполнено в 2 из 3 помещений.",
               "Ответ № {n} от {d}: журнал введён, но записи ведутся не во всех сменах."],
    R.NOT_IMPLEMENTED: ["Повторное посещение {d}: изменений нет, журнал по-прежнему не ведётся.",
                        "Ответ № {n} от {d}: исполнение отложено на следующий год."],
}  # fmt: skip
# The Russian text of each recommendation the demo wrote in Kazakh first, by its Kazakh
# text: what the demo secretariat's translation gives (kuzet.reports.demo).
KAZAKH_FIRST: dict[str, str] = {}
DEPARTMENT_ADDRESSEES = {
    "mia-police": "dept-mia-police",
    "mia-penal": "dept-mia-penal",
    "nsc": "dept-nsc",
    "defence": "dept-defence",
    "health": "dept-health",
    "education": "dept-education",
    "labour": "dept-labour",
}


def _addressee(level: str, visit: Visit, theme: str) -> Addressee:
    if level == L.LEGISLATION:
        return Addressee.objects.get(code="government")
    if level == L.DEPARTMENT:
        if theme == "material_conditions" and visit.institution.type.code in (
            "childrens-home",
            "medical-social",
        ):
            return Addressee.objects.get(code=f"akimat-{visit.region.kato}")
        department = visit.institution.department.code if visit.institution.department else ""
        code = DEPARTMENT_ADDRESSEES.get(department, "government")
        return Addressee.objects.get(code=code)
    return Addressee.objects.get(code="institution-administration")


def demo_recommendations_issue(
    actor: User, visit: Visit, problems: list[Finding], facts: Facts
) -> list[Recommendation]:
    """One recommendation on each problem, its text made of the visit's facts."""
    made = []
    for finding in problems:
        pool = TEXTS.get(finding.theme) or TEXTS["material_conditions"]
        priority = {"critical": "high", "high": "high", "medium": "medium"}.get(
            finding.severity, "low"
        )
        deadline = visit.planned_date + timedelta(
            days={"high": 45, "medium": 90, "low": 180}[priority] + facts.rng.randint(0, 20)
        )
        # Drawn again while the text is one already written (two places, the same rooms).
        while True:
            level, ru, kk = facts.rng.choice(pool)
            a, b = facts.two_rooms()
            slots: dict[str, Any] = {
                "head_cap": facts.w["head"][0].upper() + facts.w["head"][1:],
                "in_rooms": facts.w["in_rooms"],
                "rooms_gen": facts.w["rooms_gen"],
                "people_acc": facts.w["people_gen"],
                "people_gen": facts.w["people_gen"],
                "a": a,
                "b": b,
                "deadline": f"{deadline:%d.%m.%Y}",
                "start": f"{visit.planned_date + timedelta(days=30):%d.%m.%Y}",
                "day": f"{visit.planned_date:%d.%m.%Y}",
            }
            if not Recommendation.objects.filter(text_ru=ru.format(**slots)).exists():
                break
        text_ru, text_kk = ru.format(**slots), kk.format(**slots)
        if finding.title_kk and not finding.title:
            # A team writing in Kazakh writes its recommendation in Kazakh first; the
            # secretariat's translation gives the Russian text when the report quotes it.
            KAZAKH_FIRST[" ".join(text_kk.split())] = text_ru
            text_ru = ""
        made.append(
            recommendation_record(
                actor=actor,
                visit=visit,
                text_ru=text_ru,
                text_kk=text_kk,
                addressee=_addressee(level, visit, finding.theme),
                theme=finding.theme,
                level=level,
                priority=priority,
                deadline=deadline,
                findings=[finding],
            )
        )
    for recommendation in made:
        Recommendation.objects.filter(pk=recommendation.pk).update(
            created_at=visit.ended_at or visit.started_at
        )
        recommendation.history.update(assessed_at=visit.ended_at or visit.started_at)
    return made


def demo_follow_up(visit: Visit, sent_on: date, today: date, rng: random.Random) -> None:
    """The authorities' answers and the state of implementation as the year went on: the
    older the visit, the further its recommendations went."""
    secretariat = User.objects.get(username="demo-secretariat")
    # Issued on the day the report was sent, not the day the demo was loaded: the annual
    # report reads the state of a recommendation on a date from this history.
    StatusChange.objects.filter(recommendation__visit=visit, status=R.ISSUED).update(
        assessed_at=timezone.make_aware(datetime.combine(sent_on, time(15, 0)))
    )
    StatusChange.objects.filter(recommendation__visit=visit, status=R.DRAFT).update(
        assessed_at=timezone.make_aware(datetime.combine(sent_on - timedelta(days=7), time(15, 0)))
    )
    for recommendation in visit.recommendations.order_by("pk"):
        answered = sent_on + timedelta(days=rng.randint(20, 50))
        if answered > today or rng.random() < 0.1:
            continue  # no answer yet (issued, waiting for the addressee)
        first = R.REJECTED if rng.random() < 0.15 else R.ACCEPTED
        _assess(secretariat, recommendation, first, answered, rng)
        checked = answered + timedelta(days=rng.randint(60, 150))
        if checked > today or rng.random() < 0.25:
            continue  # accepted (or rejected) and, past its deadline, overdue
        final = rng.choice(
            [R.IMPLEMENTED, R.IMPLEMENTED, R.PARTLY, R.IN_PROGRESS, R.NOT_IMPLEMENTED]
            if first == R.ACCEPTED
            else [R.NOT_IMPLEMENTED, R.IN_PROGRESS]
        )
        _assess(secretariat, recommendation, final, checked, rng)


def _assess(
    actor: User, recommendation: Recommendation, status: str, on: date, rng: random.Random
) -> None:
    evidence = rng.choice(FOLLOW_UP_EVIDENCE[status]).format(
        n=f"{rng.randint(10, 99)}-{rng.randint(100, 999)}", d=f"{on:%d.%m.%Y}"
    )
    recommendation_assess(
        actor=actor, recommendation=recommendation, status=status, evidence=evidence
    )
    latest = StatusChange.objects.filter(recommendation=recommendation).latest("pk")
    StatusChange.objects.filter(pk=latest.pk).update(
        assessed_at=timezone.make_aware(datetime.combine(on, time(11, 0)))
    )
