"""Demo accounts for `make run`."""

from allauth.account.models import EmailAddress

from .models import User

DEMO_PASSWORD = "atrium-demo-password"
DEMO_ACCOUNTS = [
    # email, display name, handle, is_staff
    ("manager@atrium.local", "Morgan (community manager)", "morgan", True),
    ("dev@atrium.local", "Dev Demo", "devdemo", False),
]


def seed(*, stdout) -> None:
    for email, display_name, handle, is_staff in DEMO_ACCOUNTS:
        user, created = User.objects.get_or_create(email=email, defaults={"is_staff": is_staff})
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
            user.profile.display_name = display_name
            user.profile.handle = handle
            user.profile.save()
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
