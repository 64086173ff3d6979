"""Officials' invitations move to people.Invitation (one invitation service for every app,
people.invitations): each row keeps its token's hash, author, times, use and the account it
created, so a link already given keeps working, then portal.Invitation is dropped."""

from django.db import migrations

PURPOSE = "portal"


def to_people(apps, schema_editor):
    Old = apps.get_model("portal", "Invitation")
    New = apps.get_model("people", "Invitation")
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not Old.objects.exists():
        return
    addressees, _created = ContentType.objects.get_or_create(
        app_label="recommendations", model="addressee"
    )
    for old in Old.objects.order_by("pk"):
        New.objects.create(
            purpose=PURPOSE,
            token_hash=old.token_sha256,
            subject_type=addressees,
            subject_id=old.addressee_id,
            full_name=old.full_name,
            email=old.email,
            details={"position": old.position, "moved_from": f"portal.invitation:{old.pk}"},
            created_by_id=old.created_by_id,
            created_at=old.created_at,
            expires_at=old.expires_at,
            used_at=old.used_at,
            user_id=old.user_id,
        )


def to_portal(apps, schema_editor):
    Old = apps.get_model("portal", "Invitation")
    New = apps.get_model("people", "Invitation")
    for new in New.objects.filter(purpose=PURPOSE).order_by("pk"):
        old = Old.objects.create(
            addressee_id=new.subject_id,
            full_name=new.full_name,
            email=new.email,
            position=new.details.get("position", ""),
            token_sha256=new.token_hash,
            created_by_id=new.created_by_id,
            expires_at=new.expires_at,
            used_at=new.used_at,
            user_id=new.user_id,
        )
        Old.objects.filter(pk=old.pk).update(created_at=new.created_at)  # auto_now_add
    New.objects.filter(purpose=PURPOSE).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("people", "0006_invitation"),
        ("portal", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(to_people, to_portal),
        migrations.DeleteModel(name="Invitation"),
    ]
