"""Selected applicants' invitations move to people.Invitation (one invitation service for
every app, people.invitations): each row keeps its token's hash, expiry and use, so a link
already mailed keeps working, then membership.Invitation is dropped."""

from django.db import migrations
from django.utils import timezone

PURPOSE = "membership"


def to_people(apps, schema_editor):
    Old = apps.get_model("membership", "Invitation")
    New = apps.get_model("people", "Invitation")
    Participation = apps.get_model("membership", "Participation")
    ContentType = apps.get_model("contenttypes", "ContentType")
    AuditEvent = apps.get_model("core", "AuditEvent")
    if not Old.objects.exists():
        return
    applications, _created = ContentType.objects.get_or_create(
        app_label="membership", model="application"
    )
    for old in Old.objects.order_by("pk"):
        # The row had no creation time or author: its first audit event has both.
        first = (
            AuditEvent.objects.filter(object_type="membership.invitation", object_id=str(old.pk))
            .order_by("id")
            .first()
        )
        user_id = None
        if old.used_at is not None:
            user_id = (
                Participation.objects.filter(application_id=old.application_id)
                .values_list("user_id", flat=True)
                .first()
            )
        New.objects.create(
            purpose=PURPOSE,
            token_hash=old.token_hash,
            subject_type=applications,
            subject_id=old.application_id,
            details={"moved_from": f"membership.invitation:{old.pk}"},
            created_by_id=first.actor_id if first else None,
            created_at=first.occurred_at if first else timezone.now(),
            expires_at=old.expires_at,
            used_at=old.used_at,
            user_id=user_id,
        )


def to_membership(apps, schema_editor):
    Old = apps.get_model("membership", "Invitation")
    New = apps.get_model("people", "Invitation")
    for new in New.objects.filter(purpose=PURPOSE).order_by("pk"):
        Old.objects.create(
            application_id=new.subject_id,
            token_hash=new.token_hash,
            expires_at=new.expires_at,
            used_at=new.used_at,
        )
    New.objects.filter(purpose=PURPOSE).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0001_initial"),
        ("membership", "0002_council_meetings"),
        ("people", "0006_invitation"),
    ]

    operations = [
        migrations.RunPython(to_people, to_membership),
        migrations.DeleteModel(name="Invitation"),
    ]
