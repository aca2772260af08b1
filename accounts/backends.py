"""The authentication backend: Django's ``ModelBackend``, reading the signed-in account with
its institution in one query. Every page of a hospital account shows the institution, so the
plain backend's user query was always followed by a second one (issue 21)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend


class ModelBackend(DjangoModelBackend):
    def get_user(self, user_id):
        User = get_user_model()
        try:
            user = User._default_manager.select_related("institution").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
