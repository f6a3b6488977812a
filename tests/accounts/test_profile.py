"""Profiles: validated handles and links, a locally drawn avatar, a public page."""

import pytest
from django.urls import reverse

from portal.accounts.models import Profile
from portal.accounts.profile_sections import PROFILE_SECTIONS, ProfileSection, register
from portal.accounts.services import profile_ensure
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def edit(client, **changes):
    data = {"display_name": "Ada", "handle": "ada", "bio": "", "github": "", "website": ""}
    data.update(changes)
    return client.post(reverse("accounts:profile_edit"), data)


def test_edit_page_shows_the_avatar_and_labelled_fields(client, user):
    client.force_login(user)
    response = client.get(reverse("accounts:profile_edit"))
    assert response.status_code == 200
    assert f'src="/u/{user.profile.handle}/avatar.png?s=144"'.encode() in response.content
    for field in ["display_name", "handle", "bio", "github", "website"]:
        assert f'<label class="form-label" for="id_{field}">'.encode() in response.content


def test_saving_the_profile_shows_on_the_public_page(client, user):
    client.force_login(user)
    response = edit(
        client,
        display_name="Ada Lovelace",
        handle="Ada-L",
        bio="Writes the first programs.",
        github="https://github.com/ada",
        website="https://ada.example",
    )
    assert response.status_code == 302
    profile = Profile.objects.get(user=user)
    assert profile.handle == "ada-l"  # lower-cased
    page = client.get(reverse("accounts:profile", args=["ada-l"]))
    assert b"Ada Lovelace" in page.content
    assert b"Writes the first programs." in page.content
    assert b'href="https://github.com/ada"' in page.content
    assert b"Edit profile" in page.content  # the owner sees the edit button


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"handle": "ab"}, b"Use 3 to 39 lowercase letters"),
        ({"handle": "-ada"}, b"Use 3 to 39 lowercase letters"),
        ({"handle": "ada--l"}, b"Use 3 to 39 lowercase letters"),
        ({"handle": "ada_l"}, b"Use 3 to 39 lowercase letters"),
        ({"handle": "a" * 40}, b"at most 39 characters"),
        ({"handle": "admin"}, b"is reserved"),
        ({"handle": "Settings"}, b"is reserved"),
        ({"handle": "grace"}, b"This handle is already taken"),
        ({"github": "https://gitlab.com/ada"}, b"Enter a GitHub link"),
        ({"github": "https://github.com/"}, b"Enter a GitHub link"),
        ({"github": "javascript:alert(1)"}, b"Enter a valid URL"),
        ({"website": "not a url"}, b"Enter a valid URL"),
    ],
)
def test_bad_input_gets_a_clear_error_and_loses_nothing(client, user, other_user, changes, error):
    other_user.profile.handle = "grace"
    other_user.profile.save()
    before = Profile.objects.get(user=user).handle
    client.force_login(user)
    response = edit(client, bio="Kept bio text", **changes)
    assert response.status_code == 200
    assert error in response.content
    assert b'aria-invalid="true"' in response.content
    assert b"Kept bio text" in response.content  # what was typed is still there
    assert Profile.objects.get(user=user).handle == before
    assert Profile.objects.get(user=user).bio == ""


def test_handles_made_from_emails_are_valid():
    for email in ["a@example.com", "admin@example.com", "first_last@example.com", "x.y+tag@example.com"]:
        profile = UserFactory(email=email).profile
        profile.full_clean()
    assert Profile.objects.get(user__email="first_last@example.com").handle == "first-last"
    assert Profile.objects.get(user__email="x.y+tag@example.com").handle == "x-y-tag"


def test_avatar_is_a_deterministic_png_with_cache_headers(client, user):
    url = reverse("accounts:avatar", args=[user.profile.handle])
    first = client.get(url, {"s": "64"})
    assert first.status_code == 200
    assert first["Content-Type"] == "image/png"
    assert first.content.startswith(b"\x89PNG")
    assert "max-age=86400" in first["Cache-Control"] and "public" in first["Cache-Control"]
    assert client.get(url, {"s": "64"}).content == first.content

    import io

    from PIL import Image

    assert Image.open(io.BytesIO(first.content)).size == (64, 64)
    assert Image.open(io.BytesIO(client.get(url, {"s": "9999"}).content)).size == (256, 256)

    other = UserFactory(email="someone@example.com").profile
    assert client.get(reverse("accounts:avatar", args=[other.handle]), {"s": "64"}).content != first.content


def test_avatar_of_unknown_or_deactivated_handle_is_404(client, user):
    assert client.get(reverse("accounts:avatar", args=["nobody-here"])).status_code == 404
    user.is_active = False
    user.save()
    assert client.get(reverse("accounts:avatar", args=[user.profile.handle])).status_code == 404
    assert client.get(reverse("accounts:profile", args=[user.profile.handle])).status_code == 404


def test_public_profile_renders_registered_sections(client, user, settings, tmp_path):
    (tmp_path / "extra").mkdir()
    (tmp_path / "extra" / "_badges.html").write_text("<section>Badges of {{ profile.handle }}</section>")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], tmp_path]}]
    section = ProfileSection(template="extra/_badges.html", order=50)
    register(section)
    register(section)
    try:
        page = client.get(reverse("accounts:profile", args=[user.profile.handle]))
        assert page.content.count(f"Badges of {user.profile.handle}".encode()) == 1
        assert page.content.index(b"About") < page.content.index(b"Badges of")
    finally:
        PROFILE_SECTIONS.remove(section)


def test_public_profile_query_count(client, user, other_user, django_assert_max_num_queries):
    # The profile and the forums' section (3), the rewards section's reputation (1), the trust
    # section's level (1, and 2 for the member's permissions: staff and moderators count as
    # leaders), the badges section's badges and honors (2), the recipes' and showcase's lists
    # (1 each). Rendered once, then shared (below).
    url = reverse("accounts:profile", args=[user.profile.handle])
    with django_assert_max_num_queries(10):
        assert client.get(url).status_code == 200
    # Every other visitor or developer gets the same sections, rendered once and shared: the
    # profile itself is all that is read (and the signed-in viewer's permissions, cached).
    client.force_login(other_user)
    with django_assert_max_num_queries(5) as first_signed_in:  # the viewer, their permissions, the bell
        assert client.get(url).status_code == 200
    assert not any("forums_post" in query["sql"] for query in first_signed_in.captured_queries)
    with django_assert_max_num_queries(1):
        assert client.get(url).status_code == 200


def test_a_profile_edit_shows_at_once_to_visitors_who_saw_it_before(client, user):
    from portal.accounts.services import profile_update

    url = reverse("accounts:profile", args=[user.profile.handle])
    assert "Tuning small models" not in client.get(url).content.decode()
    profile_update(
        profile=user.profile,
        display_name="Ada",
        handle=user.profile.handle,
        bio="Tuning small models.",
        github="",
        website="",
    )
    assert "Tuning small models" in client.get(url).content.decode()


def test_profile_ensure_is_idempotent(user):
    assert profile_ensure(user=user) == user.profile


def test_profile_update_service_refuses_a_taken_handle_and_saves_nothing(user, other_user):
    from django.core.exceptions import ValidationError

    from portal.accounts.services import profile_update

    with pytest.raises(ValidationError) as error:
        profile_update(
            profile=user.profile, display_name="X", handle=other_user.profile.handle, bio="", github="", website=""
        )
    assert "handle" in error.value.message_dict
    assert Profile.objects.get(user=user).display_name == ""


def test_bio_is_rendered_as_member_markdown(client, user, other_user):
    """A bio reads as it would in a forum post: emphasis, code, links marked as user content,
    and @mentions linked only for active members."""
    other_user.profile.handle = "grace"
    other_user.profile.save()
    user.profile.bio = (
        "I build **agents** with `atrium`.\n\nSee [my blog](https://ada.example) or ask @grace and @nobody."
    )
    user.profile.save()
    html = client.get(reverse("accounts:profile", args=[user.profile.handle])).content.decode()
    about = html.split('id="about-heading"')[1].split("</section>")[0]
    assert "<strong>agents</strong>" in about and "<code>atrium</code>" in about
    assert '<a href="https://ada.example" rel="nofollow ugc noopener">my blog</a>' in about
    assert '<a class="mention" href="/u/grace/"' in about
    assert "/u/nobody/" not in about and "@nobody" in about
    assert "**" not in about


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert('bio')</script>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        "[click](jav\tascript:alert(1))",
        '<a href="#" onclick="alert(1)">x</a>',
        "<iframe src=https://evil.example></iframe>",
        '<div class="navbar fixed-top" style="position:fixed">fake header</div>',
        "![x](data:image/svg+xml;base64,PHN2Zz4=)",
    ],
)
def test_bio_markup_stays_inert(client, user, payload):
    """Scripts, handlers, javascript:/data: URLs, frames, styles and the site's classes do
    not survive a bio."""
    user.profile.bio = f"Hello {payload} there"
    user.profile.save()
    html = client.get(reverse("accounts:profile", args=[user.profile.handle])).content.decode()
    about = html.split('id="about-heading"')[1].split("</section>")[0].lower()
    for forbidden in ("<script", "onerror", "onclick", "javascript:", "<iframe", "style=", "navbar", "data:image"):
        assert forbidden not in about, (payload, about)
