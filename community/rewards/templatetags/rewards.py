from django import template

from ..selectors import standing_of

register = template.Library()


@register.inclusion_tag("rewards/_profile_summary.html", takes_context=True)
def rewards_profile_summary(context, profile):
    """A profile's reputation (and, for its owner, spendable points); one query."""
    request = context.get("request")
    is_owner = bool(request and request.user.is_authenticated and request.user.pk == profile.user_id)
    return {"standing": standing_of(user_id=profile.user_id), "is_owner": is_owner}
