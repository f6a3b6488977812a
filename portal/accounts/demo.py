"""Demo accounts for `make run`."""

from allauth.account.models import EmailAddress

from .models import User
from .roles import Role, sync_roles
from .services import user_set_role

DEMO_PASSWORD = "atrium-demo-password"  # noqa: S105 (printed by `make run` for the demo)
DEMO_ACCOUNTS = [
    # email, display name, handle, role
    ("manager@atrium.local", "Morgan (community manager)", "morgan", Role.COMMUNITY_MANAGER),
    ("dev@atrium.local", "Dev Demo", "devdemo", Role.DEVELOPER),
]


def seed(*, stdout) -> None:
    sync_roles()
    for email, display_name, handle, role in DEMO_ACCOUNTS:
        user, created = User.objects.get_or_create(email=email)
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
            user.profile.display_name = display_name
            user.profile.handle = handle
            user.profile.save()
        user_set_role(user=user, role=role)
        EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
