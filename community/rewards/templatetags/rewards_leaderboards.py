from django import template

from ..leaderboards import leaderboard_positions
from ..models import LeaderboardBoard

register = template.Library()


@register.simple_tag(takes_context=True)
def leaderboard_places(context):
    """The viewer's overall places this week, this month and all time: (board, label, row or
    None) for the hub; one query."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    rows = leaderboard_positions(user=user)
    return [(value, label, rows.get(value)) for value, label in LeaderboardBoard.choices]
