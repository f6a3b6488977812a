"""Template tags for people and forms.

``{% author_link user %}`` shows who wrote something: avatar and name linked to the
profile, or "deleted user" when the author's account is gone (a null foreign key).
Select ``author__profile`` in the queryset to keep lists free of N+1 queries.
"""

from datetime import timedelta

from django import forms, template
from django.utils import timezone
from django.utils.timesince import timeuntil

register = template.Library()


@register.inclusion_tag("accounts/_author_link.html")
def author_link(user, size: int = 24):
    """Avatar + name linked to the public profile; "deleted user" for None."""
    profile = getattr(user, "profile", None) if user is not None else None
    return {
        "profile": profile,
        "linked": profile is not None and user.is_active,
        "size": size,
    }


@register.simple_tag
def profile_bio(profile) -> str:
    """The profile's bio as sanitized HTML (Markdown, the MEMBER profile); "" when empty."""
    from django.utils.safestring import mark_safe

    from ..selectors import profile_bio_html

    return mark_safe(profile_bio_html(profile=profile))  # noqa: S308 - rendered and sanitized by portal.markdown


@register.inclusion_tag("accounts/_avatar.html")
def avatar(profile, size: int = 64, css_class: str = ""):
    """The profile's identicon at ``size`` CSS pixels (served at twice that for sharp screens)."""
    return {"profile": profile, "size": size, "source_size": size * 2, "css_class": css_class}


@register.filter
def form_control(bound_field):
    """Render a form field's widget with Bootstrap's classes and its errors announced."""
    widget = bound_field.field.widget
    if isinstance(widget, forms.CheckboxInput | forms.RadioSelect | forms.CheckboxSelectMultiple):
        css = "form-check-input"
    elif isinstance(widget, forms.Select | forms.SelectMultiple):
        css = "form-select"
    else:
        css = "form-control"
    existing = widget.attrs.get("class", "")
    attrs = {"class": f"{existing} {css}".strip()}
    described_by = []
    if bound_field.help_text:
        described_by.append(f"{bound_field.auto_id}_helptext")
    if bound_field.errors:
        attrs["class"] += " is-invalid"
        attrs["aria-invalid"] = "true"
        described_by.append(f"{bound_field.auto_id}_error")
    if described_by:
        attrs["aria-describedby"] = " ".join(described_by)
    return bound_field.as_widget(attrs=attrs)


@register.filter
def is_checkbox(bound_field) -> bool:
    return isinstance(bound_field.field.widget, forms.CheckboxInput)


@register.filter
def from_now(delta):
    """The moment ``delta`` (a timedelta) from now, for "try again after ..." messages."""
    if not isinstance(delta, timedelta):
        return None
    return timezone.now() + delta


@register.filter
def duration(delta):
    """A timedelta in words: "15 minutes", "1 hour"."""
    if not isinstance(delta, timedelta):
        return ""
    now = timezone.now()
    return timeuntil(now + delta, now)
