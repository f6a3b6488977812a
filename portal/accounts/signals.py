from django.db.models.signals import post_save
from django.dispatch import receiver

from .models import User
from .services import profile_ensure


@receiver(post_save, sender=User, dispatch_uid="accounts.profile_on_user_create")
def create_profile(sender, instance, created, raw=False, **kwargs):
    # Every account has a public profile from its first moment.
    if created and not raw:
        profile_ensure(user=instance)
