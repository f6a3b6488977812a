from django import template

register = template.Library()


@register.inclusion_tag("badges/_profile_badges.html", takes_context=True)
def badges_of_member(context, profile):
    """A member's badges and honors on their profile (two queries)."""
    from ..selectors import member_badges

    request = context.get("request")
    viewer = getattr(request, "user", None)
    return {
        "held": member_badges(user=profile.user),
        "profile": profile,
        "is_owner": viewer is not None and viewer.is_authenticated and viewer.pk == profile.user_id,
    }


@register.inclusion_tag("badges/_hub_badges.html", takes_context=True)
def badges_of_viewer(context):
    """The signed-in member's badges and honors on the rewards hub."""
    from ..selectors import member_badges

    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"held": None}
    return {"held": member_badges(user=user)}
