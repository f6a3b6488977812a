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


@register.simple_tag(takes_context=True)
def forum_posts(context, posts):
    """The posts of a thread page, each `forums/_post.html` from the fragment cache when it can."""
    from ..fragments import post_fragment_parts, render_cached

    return render_cached(
        context=context,
        template_name="forums/_post.html",
        name="p",
        items=posts,
        parts=lambda post: post_fragment_parts(post=post, context=context),
    )


@register.simple_tag(takes_context=True)
def forum_thread_rows(context, threads):
    """The rows of a topic list, each `forums/_thread_row.html` from the fragment cache when it can.
    Threads with an open bounty are marked (one query for the page's rows)."""
    from ..fragments import render_cached, thread_row_parts
    from ..selectors.bounties import threads_with_bounties

    return render_cached(
        context=context,
        template_name="forums/_thread_row.html",
        name="t",
        items=threads_with_bounties(threads),
        parts=lambda thread: thread_row_parts(thread=thread, context=context),
    )


@register.filter
def forum_stamp(moment):
    """A time as the page cache's read-state markers compare it (see pagecache.py)."""
    from ..pagecache import activity_stamp

    return activity_stamp(moment)


@register.inclusion_tag("forums/_profile_activity.html", takes_context=True)
def forum_member_activity(context, profile):
    """A member's threads, replies and accepted answers on their profile, as the viewer may see them."""
    from ..selectors import member_activity

    request = context.get("request")
    viewer = getattr(request, "user", None)
    if viewer is None:
        from django.contrib.auth.models import AnonymousUser

        viewer = AnonymousUser()
    return {
        "activity": member_activity(member=profile.user, viewer=viewer),
        "profile": profile,
        "is_owner": viewer.is_authenticated and viewer.pk == profile.user_id,
    }
