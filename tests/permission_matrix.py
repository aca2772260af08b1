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


@owned_object("institutions:detail")
def make_institution(institution):
    return {"public_id": institution.public_id}
