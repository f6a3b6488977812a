from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Profile, User
from .roles import Role
from .services import user_set_role


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False


def _set_role_action(role: Role):
    def action(modeladmin, request, queryset):
        for user in queryset:
            user_set_role(user=user, role=role)
        modeladmin.message_user(
            request,
            _("%(count)d users are now %(role)s.") % {"count": len(queryset), "role": role.label},
            messages.SUCCESS,
        )

    action.__name__ = f"make_{role.name.lower()}"
    action.short_description = _("Set role: %(role)s") % {"role": role.label}
    action.allowed_permissions = ("change",)
    return action


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["-date_joined"]
    list_display = ["email", "handle", "role", "is_active", "is_staff", "date_joined", "last_login"]
    list_filter = ["is_active", "is_staff", "is_superuser", "groups", "date_joined"]
    search_fields = ["email", "profile__handle", "profile__display_name"]
    inlines = [ProfileInline]
    actions = [_set_role_action(role) for role in Role]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("profile").prefetch_related("groups")

    @admin.display(description=_("handle"), ordering="profile__handle")
    def handle(self, user):
        return user.profile.handle

    @admin.display(description=_("role"))
    def role(self, user):
        role = user.role
        return role.label if role else "—"


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["handle", "display_name", "user", "created_at"]
    search_fields = ["handle", "display_name", "user__email"]
    list_filter = ["created_at"]
    raw_id_fields = ["user"]
    list_select_related = ["user"]
