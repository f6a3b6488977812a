from django import template

from ..selectors import recipes_by

register = template.Library()


@register.inclusion_tag("recipes/_profile_recipes.html")
def recipes_of_member(profile):
    """The member's recipes on their public profile (nothing when they have none)."""
    return {"recipes": recipes_by(user_id=profile.user_id)}
