from django import template

from ..selectors import entries_by

register = template.Library()


@register.inclusion_tag("showcase/_profile_entries.html")
def showcase_entries_of_member(profile):
    """The member's published showcase entries, for their public profile."""
    return {"entries": entries_by(user_id=profile.user_id)}
