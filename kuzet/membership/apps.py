from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembershipConfig(AppConfig):
    name = "kuzet.membership"
    verbose_name = _("Membership")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from kuzet.core.policy import TEAM_GATES, TEAM_RULES
        from kuzet.membership.selectors import may_serve_on_team, team_rule_refusals
        from kuzet.membership.services import INVITATION_PURPOSE
        from kuzet.people.invitations import register

        if may_serve_on_team not in TEAM_GATES:
            TEAM_GATES.append(may_serve_on_team)
        if team_rule_refusals not in TEAM_RULES:
            TEAM_RULES.append(team_rule_refusals)
        # A selected applicant's invitation: what accepting it records (people.invitations).
        register(INVITATION_PURPOSE)
