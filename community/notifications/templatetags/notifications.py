from django import template

from ..models import Notification

register = template.Library()


@register.inclusion_tag("notifications/_bell.html", takes_context=True)
def notification_bell(context):
    """The navbar bell with the caller's unread count (one COUNT query)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    unread = 0
    if user is not None and user.is_authenticated:
        unread = Notification.objects.for_user(user).unread().count()
    return {"user": user, "unread": unread}
