from django import template

from ..selectors import hackathon_for_event as _hackathon_for_event

register = template.Library()


@register.simple_tag
def hackathon_for_event(event):
    """The hackathon of an event page's event (None if it has none)."""
    return _hackathon_for_event(event_id=event.pk)
