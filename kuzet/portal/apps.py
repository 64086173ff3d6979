from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "kuzet.portal"
    verbose_name = _("Addressee portal")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The portal's part in recommendations' moments (recommendations does not import
        # the portal): notices on sending, reminders to officials, answers on the NPM's page.
        from kuzet.people.invitations import register
        from kuzet.portal import services, views
        from kuzet.recommendations import hooks

        # An official's invitation: what accepting it records (people.invitations).
        register(services.INVITATION_PURPOSE)
        hooks.on_sent.append(services.addressees_tell_sent)
        hooks.on_reminders.append(services.addressee_reminders)
        hooks.detail_context.append(views.npm_answers_context)
