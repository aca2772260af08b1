"""Issue 20 item 5: the database refuses a status outside its choices, whatever writes it."""

import pytest
from django.db import IntegrityError, transaction

from institutions.models import Institution, InstitutionApplication
from tests.factories import InstitutionFactory

from .applications import make_application


def test_an_institution_status_outside_the_choices_is_refused_by_the_database(db):
    institution = InstitutionFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Institution.objects.filter(pk=institution.pk).update(status="bogus")


def test_an_application_status_outside_the_choices_is_refused_by_the_database(db):
    application = make_application(uploads=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        InstitutionApplication.objects.filter(pk=application.pk).update(status="bogus")
