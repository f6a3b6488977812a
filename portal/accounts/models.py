from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .validators import HANDLE_MAX_LENGTH, handle_format_validator, validate_github_url, validate_handle_not_reserved


class UserManager(DjangoUserManager):
    """Users are identified by email; there is no username."""

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A developer's account. Public identity (handle, display name) lives on Profile."""

    username = None
    first_name = None
    last_name = None
    email = models.EmailField(_("email address"), unique=True)
    # The member's language, applied wherever they log in (portal/accounts/language.py);
    # empty until they choose one (then the browser's cookie or Accept-Language decides).
    language = models.CharField(_("language"), max_length=10, blank=True, choices=settings.LANGUAGES)

    objects = UserManager()

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.email

    @property
    def role(self):
        """The user's role (portal.accounts.roles.Role), or None if they hold none."""
        from .roles import role_of

        return role_of(self)


class Profile(models.Model):
    """What other developers see: handle, display name, bio, links, avatar."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="profile")
    handle = models.CharField(
        _("handle"),
        max_length=HANDLE_MAX_LENGTH,
        unique=True,
        validators=[handle_format_validator, validate_handle_not_reserved],
        help_text=_("Your name in your profile address (/u/your-handle/) and in @mentions."),
        error_messages={"unique": _("This handle is already taken.")},
    )
    display_name = models.CharField(_("display name"), max_length=80, blank=True)
    bio = models.TextField(_("bio"), max_length=2000, blank=True)
    github = models.URLField(
        _("GitHub"), blank=True, validators=[validate_github_url], help_text=_("e.g. https://github.com/your-name")
    )
    website = models.URLField(_("website"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["handle"]

    def __str__(self):
        return self.handle

    def get_absolute_url(self):
        return reverse("accounts:profile", kwargs={"handle": self.handle})

    @property
    def name(self) -> str:
        return self.display_name or self.handle

    @property
    def avatar_url(self) -> str:
        return reverse("accounts:avatar", kwargs={"handle": self.handle})
