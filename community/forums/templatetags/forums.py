from django import template
from django.template.loader import get_template

register = template.Library()


@register.simple_tag(takes_context=True)
def forum_author(context, user):
    """The accounts app's author link, rendered once per author per request.

    A thread page shows the same few authors dozens of times; rendering their link once
    keeps long pages cheap. The HTML is the accounts app's own `{% author_link %}`.
    """
    from portal.accounts.templatetags.accounts import author_link

    request = context.get("request")
    memo = getattr(request, "_forum_author_links", None) if request is not None else None
    if memo is None:
        memo = {}
        if request is not None:
            request._forum_author_links = memo
    key = user.pk if user is not None else None
    if key not in memo:
        memo[key] = get_template("accounts/_author_link.html").render(author_link(user))
    return memo[key]
