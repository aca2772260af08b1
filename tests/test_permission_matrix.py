"""No user ever reaches another institution's object: every id-taking URL answers 404."""

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from .permission_matrix import APPLICANT_OBJECT_URLS, OWNED_OBJECT_URLS, PUBLIC_PARAMETER_URLS


def _walk(patterns, namespace="", has_params=False):
    for entry in patterns:
        params = (
            has_params
            or bool(entry.pattern.converters)
            or bool(getattr(entry.pattern, "regex", None) and entry.pattern.regex.groups)
        )
        if isinstance(entry, URLResolver):
            ns = entry.namespace
            yield from _walk(entry.url_patterns, f"{namespace}{ns}:" if ns else namespace, params)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", params


def parameter_url_names():
    return sorted({name for name, params in _walk(get_resolver().url_patterns) if params})


def _is_public(name):
    return name in PUBLIC_PARAMETER_URLS or any(
        key.endswith(":*") and name.startswith(key[:-1]) for key in PUBLIC_PARAMETER_URLS
    )


def test_every_url_with_an_id_is_in_the_matrix():
    forgotten = [
        name
        for name in parameter_url_names()
        if name not in OWNED_OBJECT_URLS
        and name not in APPLICANT_OBJECT_URLS
        and not _is_public(name)
    ]
    assert forgotten == [], (
        "These URLs take a parameter but are neither registered in tests/permission_matrix.py "
        f"with an owned-object or applicant-object factory nor listed as public: {forgotten}"
    )


@pytest.mark.parametrize("url_name", sorted(OWNED_OBJECT_URLS))
def test_other_institution_gets_404(client, url_name, alice, bob):
    url = reverse(url_name, kwargs=OWNED_OBJECT_URLS[url_name](alice.institution))

    client.force_login(bob)
    statuses = {client.get(url).status_code, client.post(url).status_code}

    assert statuses <= {404, 405} and 404 in statuses, f"{url_name} answered {statuses} to bob"


@pytest.mark.parametrize("url_name", sorted(OWNED_OBJECT_URLS))
def test_owner_reaches_the_object(client, url_name, request, db):
    """The matrix means something only if the owner is not refused as well."""
    factory = OWNED_OBJECT_URLS[url_name]
    owner = request.getfixturevalue(factory.owner)
    url = reverse(url_name, kwargs=factory(owner.institution))

    client.force_login(owner)

    assert client.get(url).status_code != 404 or client.post(url).status_code != 404


def _statuses(client, url):
    return {client.get(url).status_code, client.post(url).status_code}


@pytest.mark.parametrize("url_name", sorted(APPLICANT_OBJECT_URLS))
def test_other_applicant_gets_404(url_name, bob):
    """An applicant's objects answer 404 to a stranger, to another applicant with an
    application of their own, and to a signed-in hospital user: the number in the URL
    opens nothing."""
    owner, other_applicant, stranger, hospital_user = Client(), Client(), Client(), Client()
    url = reverse(url_name, kwargs=APPLICANT_OBJECT_URLS[url_name](owner))
    APPLICANT_OBJECT_URLS[url_name](other_applicant)
    hospital_user.force_login(bob)

    for who, visitor in (
        ("stranger", stranger),
        ("other applicant", other_applicant),
        ("bob", hospital_user),
    ):
        statuses = _statuses(visitor, url)
        assert statuses <= {404, 405} and 404 in statuses, (
            f"{url_name} answered {statuses} to {who}"
        )


@pytest.mark.parametrize("url_name", sorted(APPLICANT_OBJECT_URLS))
def test_applicant_reaches_the_object(url_name, db):
    owner = Client()
    url = reverse(url_name, kwargs=APPLICANT_OBJECT_URLS[url_name](owner))

    assert owner.get(url).status_code != 404 or owner.post(url).status_code != 404


def _integer_id(name, value, kwargs):
    """The integer key of the object the public id ``value`` (URL kwarg ``name``) names."""
    from casesets.models import ImportBatch
    from casesets.specs import SPECS
    from surveys.models import Report, ReportScan

    model = {"report_id": Report, "batch_id": ImportBatch, "scan_id": ReportScan}.get(name)
    if name == "case_id":
        model = SPECS[kwargs["kind"]].model
    return model.objects.get(public_id=value).pk


# The pages of a report and of what hangs off it.
REPORT_URLS = sorted(
    name for name in OWNED_OBJECT_URLS if name.startswith(("surveys:", "casesets:", "excel:"))
)


@pytest.mark.parametrize("url_name", REPORT_URLS)
def test_integer_ids_open_nothing(client, url_name, request, db):
    """Issue 20 item 4: a report, case, import or scan is addressed by its public UUID; the
    URL with the object's integer id instead (the URLs of before) answers 404, to the owner
    too — no URL tells how many reports or cases there are."""
    factory = OWNED_OBJECT_URLS[url_name]
    owner = request.getfixturevalue(factory.owner)
    kwargs = factory(owner.institution)
    url = reverse(url_name, kwargs=kwargs)
    integer_url = url
    for name in ("report_id", "case_id", "batch_id", "scan_id"):
        if name in kwargs:
            integer_url = integer_url.replace(
                str(kwargs[name]), str(_integer_id(name, kwargs[name], kwargs))
            )
    client.force_login(owner)

    assert integer_url != url
    assert client.get(url).status_code == 200 or client.post(url).status_code != 404
    assert _statuses(client, integer_url) == {404}
