"""Signal receivers: each hands over to a service; no logic lives here."""

from allauth.account.signals import email_confirmed, password_reset, user_signed_up
from django.apps import apps
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_migrate, post_save
from django.dispatch import receiver

from community.activity.services import activity_record

from .devices import request_fingerprint
from .language import language_apply_at_login
from .models import User
from .roles import Role, sync_roles
from .services import account_login_unlock, profile_ensure, site_ensure, user_set_role


@receiver(post_save, sender=User, dispatch_uid="accounts.profile_on_user_create")
def create_profile(sender, instance, created, raw=False, **kwargs):
    # Every account has a public profile from its first moment.
    if created and not raw:
        profile_ensure(user=instance)


@receiver(user_signed_up, dispatch_uid="accounts.developer_on_signup")
def make_developer(sender, request, user, **kwargs):
    user_set_role(user=user, role=Role.DEVELOPER)
    activity_record(
        actor=user,
        verb="account.signed_up",
        target=user,
        properties=request_fingerprint(request),
        dedupe_key=f"account.signed_up:{user.pk}",
    )


@receiver(email_confirmed, dispatch_uid="accounts.activity_on_email_confirmed")
def record_email_verified(sender, request, email_address, **kwargs):
    activity_record(
        actor=email_address.user,
        verb="account.email_verified",
        target=email_address,
        properties={"primary": email_address.primary},
        dedupe_key=f"account.email_verified:{email_address.pk}",
    )


@receiver(user_logged_in, dispatch_uid="accounts.activity_on_login")
def record_login(sender, request, user, **kwargs):
    activity_record(actor=user, verb="account.logged_in", properties=request_fingerprint(request))


@receiver(user_logged_in, dispatch_uid="accounts.language_on_login")
def apply_language(sender, request, user, **kwargs):
    language_apply_at_login(request=request, user=user)


@receiver(password_reset, dispatch_uid="accounts.unlock_on_password_reset")
def unlock_after_password_reset(sender, request, user, **kwargs):
    # Whoever reset the password proved they own the mailbox: lift login lockouts.
    account_login_unlock(user=user)


@receiver(post_migrate, dispatch_uid="accounts.sync_roles_after_migrate")
def sync_after_migrate(sender, using="default", **kwargs):
    # post_migrate is sent once per app; permissions of every app exist after the last.
    last = [config for config in apps.get_app_configs() if config.models_module is not None][-1]
    if sender.label == last.label:
        sync_roles()
        site_ensure()


def _connect_cache_invalidation() -> None:
    """Memberships, group permissions and direct grants: any change forgets the cached sets;
    any save or delete of a user or profile forgets the cached user."""
    from django.contrib.auth.models import Group, Permission
    from django.db.models.signals import m2m_changed, post_delete

    from .backends import permissions_changed, user_changed
    from .models import Profile

    for through in (User.groups.through, User.user_permissions.through, Group.permissions.through):
        m2m_changed.connect(permissions_changed, sender=through, dispatch_uid=f"accounts.perms.{through.__name__}")
    for model in (Group, Permission):
        for signal in (post_save, post_delete):
            signal.connect(permissions_changed, sender=model, dispatch_uid=f"accounts.perms.{model.__name__}.{signal}")
    for model in (User, Profile):
        for signal in (post_save, post_delete):
            signal.connect(user_changed, sender=model, dispatch_uid=f"accounts.user.{model.__name__}.{signal}")


_connect_cache_invalidation()
