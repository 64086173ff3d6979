"""Decisions recorded before they belonged to meetings.

- A meeting decision that changed a group is of kind "group"; the decisions of a meeting
  published as a whole are published with it.
- A call's decision (which carried only its meeting date) is linked to the meeting of that
  date when there is exactly one: an agenda item is added for it and its votes are copied
  onto the meeting's decision. With no such meeting, or several, it stays unlinked (the
  call's page then shows the date alone), and its own votes stay where they are.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    Meeting = apps.get_model("membership", "Meeting")
    AgendaItem = apps.get_model("membership", "AgendaItem")
    MeetingDecision = apps.get_model("membership", "MeetingDecision")
    MeetingVote = apps.get_model("membership", "MeetingVote")
    Decision = apps.get_model("membership", "Decision")
    MeetingDecision.objects.exclude(change="").update(kind="group")
    for meeting in Meeting.objects.filter(published_at__isnull=False):
        MeetingDecision.objects.filter(meeting=meeting, published_at__isnull=True).update(
            published_at=meeting.published_at
        )
    for decision in Decision.objects.filter(meeting_decision__isnull=True).select_related("call"):
        meetings = list(Meeting.objects.filter(date=decision.meeting_date)[:2])
        if len(meetings) != 1:
            continue
        meeting = meetings[0]
        item = AgendaItem.objects.create(
            meeting=meeting,
            position=AgendaItem.objects.filter(meeting=meeting).count() + 1,
            title=f"Отбор участников: «{decision.call.title_ru}»",
        )
        linked = MeetingDecision.objects.create(
            meeting=meeting,
            agenda_item=item,
            kind="selection",
            text=f"Отбор участников: «{decision.call.title_ru}»",
            reasons=decision.reasons,
            recorded_by_id=decision.recorded_by_id,
        )
        for vote in decision.votes.all():
            MeetingVote.objects.create(
                decision=linked, member_id=vote.member_id, choice=vote.choice, reason=vote.reason
            )
        decision.meeting_decision = linked
        decision.save(update_fields=["meeting_decision"])


class Migration(migrations.Migration):
    dependencies = [("membership", "0005_council_decisions_documents_rules")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
