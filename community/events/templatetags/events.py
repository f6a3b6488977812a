"""Event times as the reader sees them: in the event's own zone with its UTC offset
(accounts keep no time zone of a member's own)."""

from zoneinfo import ZoneInfo

from django import template

register = template.Library()


@register.filter
def utc_offset(value, zone_name: str) -> str:
    """``UTC+08:00``: the offset of ``zone_name`` at the moment ``value``."""
    if not value:
        return ""
    offset = value.astimezone(ZoneInfo(zone_name)).utcoffset()
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, minutes = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{minutes:02d}"
