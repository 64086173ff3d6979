from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembershipConfig(AppConfig):
    name = "kuzet.membership"
    verbose_name = _("Membership")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from kuzet.core.policy import TEAM_GATES
        from kuzet.membership.selectors import may_serve_on_team
        from kuzet.membership.services import INVITATION_PURPOSE
        from kuzet.people.invitations import register

        if may_serve_on_team not in TEAM_GATES:
            TEAM_GATES.append(may_serve_on_team)
        # A selected applicant's invitation: what accepting it records (people.invitations).
        register(INVITATION_PURPOSE)
