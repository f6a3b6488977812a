"""Give a test member a trust level without the activity that would earn it (the level's
own tests earn it through real activities: tests/trust/)."""

from portal import cache_versions


def level_set(user, level: int) -> None:
    from community.trust.models import MemberTrust
    from community.trust.selectors import level_version_key

    MemberTrust.objects.update_or_create(user=user, defaults={"level": int(level)})
    cache_versions.move(level_version_key(user.pk))
    for memo in ("_trust_level", "_trust_privileges"):
        user.__dict__.pop(memo, None)


def setting_set(key: str, value: int | None) -> None:
    """A trust setting as a manager would set it in the admin (takes effect at once)."""
    from community.trust.models import TrustSetting
    from community.trust.selectors import SETTINGS_VERSION_KEY

    TrustSetting.objects.update_or_create(key=key, defaults={"value": value})
    cache_versions.move(SETTINGS_VERSION_KEY)
