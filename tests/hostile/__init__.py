"""Every host and member form sent hostile values (QUALITY 14, issue 11 part 6).

Each form is described once, as a ``FormCase`` in ``HOST_CASES``
(test_host_forms.py: the forms that run a group, and creating one) or
``MEMBER_CASES`` (test_member_forms.py: everything members and visitors
post): where it is posted, who is signed in, a set of valid values, and the
kind of each field. For every field and every hostile value of its kind the
base values are posted with that one field replaced; the answer must be a
form error (the field's error shown next to it, or a flashed error after a
redirect, or a 4xx), never a 500, and the database must be exactly as before
the request (every row of every table compared).

``test_base_values_are_accepted`` shows that each case's base values are
valid (they are accepted and change the database), so a hostile value that
is refused is refused for itself. In test_form_coverage.py,
``test_every_form_field_is_attacked`` fails when a form or a field is added
without a case, and ``test_every_form_refuses_nul_bytes_and_over_long_text``
when a form does not derive from ``common.forms.Form`` or a text field has no
maximum length.

URLs (path and query string) are swept too (test_urls.py): NUL bytes and huge numbers.

The hostile values, ``FormCase`` and the checks are in sweep.py; the people
and objects the forms act on in world.py (the ``world`` fixture: conftest.py).
"""
