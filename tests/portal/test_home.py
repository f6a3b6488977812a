import pytest
from django.urls import reverse

from portal.apikeys.services import api_key_create


def test_visitors_see_the_product_and_sign_up(client, db):
    html = client.get(reverse("home")).content.decode()
    assert reverse("account_signup") in html
    assert "/docs/getting-started/" in html


@pytest.mark.django_db
def test_developers_land_on_their_overview(client, user, django_assert_max_num_queries):
    """After login, home shows the developer's own balance, keys and calls (and nobody else's)."""
    api_key_create(user=user, name="laptop")
    client.force_login(user)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("home"))
    html = response.content.decode()
    assert 'data-metric="keys">1<' in html
    assert 'data-metric="requests">0<' in html
    assert "/playground/" in html


@pytest.mark.django_db
def test_login_lands_on_home(client, user, password):
    response = client.post(reverse("account_login"), {"login": user.email, "password": password})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
