"""The test OpenID Connect provider (tests/oidc/server.mjs) does what the browser tests need.

An authorization-code flow by hand with requests: the redirect back to the app is caught
(allow_redirects=False), never requested.
"""

import base64
import hashlib
import re
import secrets
from urllib.parse import parse_qs, urljoin, urlsplit

import jwt
import pytest
import requests

from tests.oidc.provider import OidcProvider

REDIRECT_URI = "http://testserver.invalid/accounts/oidc/council/login/callback/"
POST_LOGOUT_URI = "http://testserver.invalid/"


@pytest.fixture(scope="module")
def provider():
    with OidcProvider(
        redirect_uris=[REDIRECT_URI], post_logout_redirect_uris=[POST_LOGOUT_URI]
    ) as provider:
        provider.set_account(
            "alice",
            email="alice@council.example",
            name="Alice Able",
            groups=["Democratic Services"],
            roles=["Tracker.Admin"],
        )
        provider.set_account("bob", email="bob@council.example", name="Bob B", disabled=True)
        yield provider


@pytest.fixture(scope="module")
def discovery(provider):
    response = requests.get(f"{provider.issuer}/.well-known/openid-configuration", timeout=5)
    response.raise_for_status()
    return response.json()


def browser():
    session = requests.Session()
    session.trust_env = False  # loopback: no proxy from the environment
    return session


def follow(session, response):
    """Follow the provider's own redirects; stop at a page, or at a redirect to the app.

    Returns the page (a response), or the query of the redirect to the app (a dict).
    """
    for _ in range(5):
        if response.status_code not in (302, 303):
            return response
        location = urljoin(response.url, response.headers["Location"])
        if location.startswith((REDIRECT_URI, POST_LOGOUT_URI)):
            return parse_qs(urlsplit(location).query)
        response = session.get(location, allow_redirects=False, timeout=5)
    raise AssertionError("the provider kept redirecting")


def start_sign_in(session, discovery, provider, **extra):
    """Ask to sign in: the provider's sign-in page, or the app's callback query."""
    params = {
        "response_type": "code",
        "client_id": provider.client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": "openid profile email",
        "state": secrets.token_urlsafe(8),
        "nonce": secrets.token_urlsafe(8),
        **extra,
    }
    url = discovery["authorization_endpoint"]
    return follow(session, session.get(url, params=params, allow_redirects=False, timeout=5))


def sign_in(session, page, login):
    """Submit the sign-in page; returns the query of the redirect back to the app."""
    assert page.status_code == 200, page.text
    assert "<title>Test Council sign-in</title>" in page.text
    assert '<label for="login">Username</label>' in page.text
    assert '<button type="submit">Sign in</button>' in page.text
    action = re.search(r'<form method="post" action="([^"]+)"', page.text).group(1)
    response = session.post(
        urljoin(page.url, action), data={"login": login}, allow_redirects=False, timeout=5
    )
    query = follow(session, response)
    assert isinstance(query, dict), query.text
    return query


def test_discovery_advertises_what_allauth_uses(discovery, provider):
    assert discovery["issuer"] == provider.issuer
    assert discovery["end_session_endpoint"] == f"{provider.issuer}/session/end"
    assert {"client_secret_basic", "client_secret_post"} <= set(
        discovery["token_endpoint_auth_methods_supported"]
    )
    assert "S256" in discovery["code_challenge_methods_supported"]
    assert {"email", "groups", "roles"} <= set(discovery["claims_supported"])


@pytest.mark.parametrize("client_auth", ["client_secret_basic", "client_secret_post+pkce"])
def test_sign_in_puts_email_groups_and_roles_in_the_id_token(discovery, provider, client_auth):
    session = browser()
    extra, token_data = {}, {}
    if client_auth.endswith("+pkce"):
        verifier = secrets.token_urlsafe(48)
        digest = hashlib.sha256(verifier.encode()).digest()
        challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        extra = {"code_challenge": challenge, "code_challenge_method": "S256"}
        token_data = {"code_verifier": verifier}

    query = sign_in(session, start_sign_in(session, discovery, provider, **extra), "alice")

    code = query["code"][0]
    token_data |= {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}
    if client_auth.startswith("client_secret_basic"):
        auth = (provider.client_id, provider.client_secret)
    else:
        auth = None
        token_data |= {"client_id": provider.client_id, "client_secret": provider.client_secret}
    tokens = session.post(discovery["token_endpoint"], data=token_data, auth=auth, timeout=5)
    assert tokens.status_code == 200, tokens.text
    tokens = tokens.json()

    jwks = jwt.PyJWKSet.from_dict(session.get(discovery["jwks_uri"], timeout=5).json())
    kid = jwt.get_unverified_header(tokens["id_token"])["kid"]
    claims = jwt.decode(
        tokens["id_token"],
        jwks[kid].key,
        algorithms=["RS256"],
        audience=provider.client_id,
        issuer=provider.issuer,
    )
    expected = {
        "sub": "alice",
        "email": "alice@council.example",
        "email_verified": True,
        "name": "Alice Able",
        "groups": ["Democratic Services"],
        "roles": ["Tracker.Admin"],
    }
    assert expected.items() <= claims.items()

    userinfo = session.get(
        discovery["userinfo_endpoint"],
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
        timeout=5,
    )
    assert userinfo.status_code == 200, userinfo.text
    assert expected.items() <= userinfo.json().items()

    # Signing out at the provider: its confirmation page, then back to the app.
    page = session.get(
        discovery["end_session_endpoint"],
        params={"id_token_hint": tokens["id_token"], "post_logout_redirect_uri": POST_LOGOUT_URI},
        timeout=5,
    )
    assert "<title>Test Council sign-out</title>" in page.text
    assert ">Sign out</button>" in page.text
    action = re.search(r'<form id="op.logoutForm" method="post" action="([^"]+)"', page.text)
    xsrf = re.search(r'name="xsrf" value="([^"]+)"', page.text).group(1)
    done = session.post(
        action.group(1), data={"xsrf": xsrf, "logout": "yes"}, allow_redirects=False, timeout=5
    )
    assert done.status_code == 303
    assert done.headers["Location"] == POST_LOGOUT_URI
    # Signed out: the next sign-in asks again.
    assert "<title>Test Council sign-in</title>" in start_sign_in(session, discovery, provider).text


@pytest.mark.parametrize(
    ("login", "description"),
    [("bob", "This account is disabled"), ("mallory", "No such account")],
)
def test_a_disabled_or_unknown_account_is_sent_back_with_access_denied(
    discovery, provider, login, description
):
    session = browser()
    query = sign_in(session, start_sign_in(session, discovery, provider), login)
    assert query["error"] == ["access_denied"]
    assert query["error_description"] == [description]
    assert "code" not in query


def test_a_session_of_an_account_disabled_since_does_not_sign_in_silently(discovery, provider):
    provider.set_account("carol", email="carol@council.example", name="Carol C")
    session = browser()
    assert "code" in sign_in(session, start_sign_in(session, discovery, provider), "carol")
    # Still signed in at the provider: straight back with a code, no page.
    assert "code" in start_sign_in(session, discovery, provider)

    provider.set_account("carol", email="carol@council.example", name="Carol C", disabled=True)
    page = start_sign_in(session, discovery, provider)
    assert "<title>Test Council sign-in</title>" in page.text
    assert sign_in(session, page, "carol")["error"] == ["access_denied"]


def test_more_scopes_for_a_signed_in_account_are_granted_without_a_page(discovery, provider):
    session = browser()
    page = start_sign_in(session, discovery, provider, scope="openid email")
    assert "code" in sign_in(session, page, "alice")
    assert "code" in start_sign_in(session, discovery, provider, scope="openid profile email")
