from django import template

register = template.Library()


@register.inclusion_tag("trust/_profile_level.html", takes_context=True)
def trust_profile_level(context, profile):
    """A member's trust level on their profile; the member also sees their progress."""
    from .. import selectors, services

    request = context.get("request")
    viewer = getattr(request, "user", None)
    member = profile.user
    is_owner = bool(viewer is not None and viewer.is_authenticated and viewer.pk == member.pk)
    return {
        "level": selectors.Level(selectors.trust_level_of(user=member)),
        "progress": selectors.level_progress(user=member) if is_owner else None,
        "is_owner": is_owner,
        "member": member,
        "can_manage": viewer is not None and services.is_trust_manager(viewer),
    }


@register.inclusion_tag("trust/_hub_level.html", takes_context=True)
def trust_hub_level(context):
    """The rewards hub's trust section: the member's level and how far the next one is
    (the hub's standing gives the reputation, so this costs one or two queries)."""
    from .. import selectors

    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"progress": None}
    standing = context.get("standing")
    reputation = getattr(standing, "reputation", None)
    return {"progress": selectors.level_progress(user=user, reputation=reputation)}
