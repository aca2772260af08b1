"""Every URL that takes an object id, and how to make an object for it.

The matrix test walks all URL patterns of the project. A pattern with a path parameter
must either be registered here, with a function that creates an object owned by a given
institution and returns the URL kwargs, or be listed in PUBLIC_PARAMETER_URLS with the
reason it exposes nothing of an institution. A new view that takes an id and is in
neither place fails the test, so no view can be forgotten.

Register with::

    @owned_object("app:name")
    def make_thing(institution):
        thing = ThingFactory(institution=institution)
        return {"public_id": thing.public_id}
"""

OWNED_OBJECT_URLS = {}

# URLs of objects that belong to an applicant who has no account yet (单位注册): the owner is
# a browser session, not an institution. A factory takes a test ``Client``, creates the
# object, gives that client's session the owner's access and returns the URL kwargs; the
# matrix checks that every other visitor — anonymous, another applicant, a hospital user —
# gets 404. Register with ``@applicant_object("app:name")``.
APPLICANT_OBJECT_URLS = {}

# Patterns with parameters that carry no institution data, with the reason.
PUBLIC_PARAMETER_URLS = {
    # Django admin: staff only (auditors see every institution); reached by no hospital user.
    "admin:*": "审核后台仅对审核员开放",
    # django-simple-captcha: the key names a random challenge, not anyone's data.
    "captcha-image": "图形验证码图片",
    "captcha-image-2x": "图形验证码图片",
    "captcha-audio": "图形验证码语音",
}


def owned_object(url_name):
    def register(factory):
        OWNED_OBJECT_URLS[url_name] = factory
        return factory

    return register


def applicant_object(*url_names):
    def register(factory):
        for url_name in url_names:
            APPLICANT_OBJECT_URLS[url_name] = factory
        return factory

    return register


@owned_object("institutions:detail")
def make_institution(institution):
    return {"public_id": institution.public_id}


@owned_object("accounts:verification_photo")
def make_identity_verification(institution):
    """A licence photo submitted by a member of ``institution``.

    A verification is personal: only its submitter and auditors may see the photo, not the
    submitter's colleagues. So it is made for the institution's first hospital account (in
    the matrix test that is alice, the owner side) or for a new member when there is none.
    The photo is stored for real, so the owner's request is answered with the image.
    """
    import io
    import uuid

    from django.core.files.base import ContentFile
    from django.utils import timezone
    from PIL import Image

    from accounts.models import IdentityVerification

    from .factories import UserFactory

    submitter = institution.users.filter(is_staff=False).order_by("pk").first()
    if submitter is None:
        submitter = UserFactory(institution=institution)
    png = io.BytesIO()
    Image.new("RGB", (40, 30), "teal").save(png, format="PNG")
    verification = IdentityVerification.objects.create(
        user=submitter,
        institution=institution,
        licence_number=institution.licence_number,
        licence_photo=ContentFile(png.getvalue(), name=f"{uuid.uuid4().hex}.png"),
        status=IdentityVerification.Status.APPROVED,
        decided_at=timezone.now(),
    )
    return {"public_id": verification.public_id}


@owned_object("institutions:user_set_active")
def make_member(institution):
    """Another account of ``institution`` that its institution admin may stop."""
    from .factories import UserFactory

    return {"username": UserFactory(institution=institution).username}


@applicant_object(
    "institutions:application",
    "institutions:application_edit",
    "institutions:application_print",
    "institutions:application_submit",
)
def make_application(client):
    """A complete draft application whose applicant is ``client``'s session."""
    from .institutions.applications import grant
    from .institutions.applications import make_application as create

    application = create(n=_next_number())
    grant(client, application)
    return {"number": application.number}


@applicant_object("institutions:application_upload", "institutions:application_file")
def make_application_upload(client):
    """The stamped form of an application of ``client``'s session (stored for real)."""
    return {**make_application(client), "kind": "stamped-form"}


_numbers = iter(range(100, 100000))


def _next_number():
    return next(_numbers)
