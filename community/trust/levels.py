"""The trust levels, as Discourse names its TL0-TL4. A plain module (no models), so the
forums and the rewards pages can name a level without touching this app's tables."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.IntegerChoices):
    NEW = 0, _("New")
    BASIC = 1, _("Basic")
    MEMBER = 2, _("Member")
    REGULAR = 3, _("Regular")
    LEADER = 4, _("Leader")

    @property
    def slug(self) -> str:
        return self.name.lower()


# Levels members reach from what they do; LEADER is granted by managers only.
AUTOMATIC_LEVELS = (Level.BASIC, Level.MEMBER, Level.REGULAR)
