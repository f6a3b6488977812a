from django import template

from .. import services

register = template.Library()


@register.inclusion_tag("notifications/_bell.html", takes_context=True)
def notification_bell(context):
    """The navbar bell with the caller's unread count (cached between the writes that change it)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    unread = 0
    if user is not None and user.is_authenticated:
        unread = services.unread_count(user=user)
    return {"user": user, "unread": unread}
