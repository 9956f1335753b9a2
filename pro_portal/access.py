"""Who may see what, how a view declares it, and the scope patient data is read in.

There are two doors to patient data, and nothing else reaches it:

- **staff** go through ``scoring.door``: each of its helpers checks the
  organisation that invited the patient and the user's role there, writes
  the audit row, and reads inside ``patient_data_scope``;
- **a patient** reaches their own answers through their own session,
  unlocked by an invitation link or a kiosk visit code with their birth date
  (``patient_own_session``).

Every view says which kind it is with one decorator — ``staff_view`` (with
the roles it needs), ``patient_own_session`` or ``no_patient_data`` — and a
guard test walks the URLconf and fails on a view that says nothing. In the
test suite a database hook fails any query on the patient tables made during
a request outside a ``patient_data_scope``.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from pro_portal.models import Membership, Role, User

# What each role may see. Secretaries run reception: they see who the patient
# is and the status of invitations, never answers, scores or flags. Clinic
# admins manage users and kiosks and see no patient data by that role alone.
PATIENT_IDENTITY_ROLES = frozenset({Role.CLINICIAN, Role.SECRETARY})
CLINICAL_ROLES = frozenset({Role.CLINICIAN})
KIOSK_ADMIN_ROLES = frozenset({Role.ADMIN})
# Who may answer a patient's "who has read my data?": the patient's access log
# (every read, by whom, in which role, when) and its export. Clinicians: they
# hold the patient's record and answer the patient (in general practice the
# doctor is the data controller); the log also names colleagues and what they
# read, which is more than reception needs, and clinic admins see no patient
# data. A dedicated role would be a Role and this one line.
ACCESS_LOG_ROLES = frozenset({Role.CLINICIAN})

V = TypeVar("V", bound=Callable[..., HttpResponseBase])


class PatientData(enum.Enum):
    """How a view reaches patient data (the URLconf guard requires one)."""

    STAFF_DOOR = "staff, through scoring.door"
    OWN_SESSION = "the patient's own session"
    NONE = "none"


_scope: ContextVar[str | None] = ContextVar("patient_data_scope", default=None)


@contextmanager
def patient_data_scope(door: str) -> Iterator[None]:
    """Patient data is read inside this block, after ``door`` checked who asks."""
    token = _scope.set(door)
    try:
        yield
    finally:
        _scope.reset(token)


def patient_data_door() -> str | None:
    """The door the current code reads patient data through, or None."""
    return _scope.get()


def organisations_where(user: User, roles: Collection[str]) -> QuerySet[Membership, Any]:
    """Ids of the organisations where ``user`` holds one of ``roles``, as a
    subquery (no join fan-out, so no ``DISTINCT`` over wide rows)."""
    if not (user.is_authenticated and user.is_active):
        return Membership.objects.none().values("organisation_id")
    return Membership.objects.filter(user=user, role__in=list(roles)).values("organisation_id")


def _memberships(user: User) -> frozenset[tuple[str, int]]:
    """The user's (role, organisation id) pairs, read once per user object
    (that is, once per request)."""
    held: frozenset[tuple[str, int]] | None = getattr(user, "_pro_portal_memberships", None)
    if held is None:
        held = frozenset(
            Membership.objects.filter(user=user).values_list("role", "organisation_id")
        )
        user._pro_portal_memberships = held  # type: ignore[attr-defined]
    return held


def holds_role(user: User, roles: Collection[str]) -> bool:
    """Whether ``user`` holds one of ``roles`` in any organisation. The user's
    roles are read once per user object (that is, once per request): a view's
    own check and the door's check after it cost one query between them."""
    if not (user.is_authenticated and user.is_active):
        return False
    return any(role in roles for role, _organisation in _memberships(user))


def organisation_ids_where(user: User, roles: Collection[str]) -> list[int]:
    """Ids of the organisations where ``user`` holds one of ``roles``, as a
    list read with the user's roles (no query more than ``holds_role``).

    A query that names its organisations is planned for them: PostgreSQL
    knows that one clinic holds the backlog and walks that clinic's part of
    an index. Given a subquery, it plans for an average organisation, and on
    a region (issue 16) walked the whole table in date order for the page of
    overdue reds (157,000 rows read for 20 shown, 430 ms, where the clinic's
    own index entries take 0.2 ms)."""
    if not (user.is_authenticated and user.is_active):
        return []
    return sorted({organisation for role, organisation in _memberships(user) if role in roles})


def staff_of(request: HttpRequest) -> User:
    """The member of staff a ``staff_view`` serves."""
    user = request.user
    if not isinstance(user, User):  # pragma: no cover - staff_view logged them in
        raise Http404
    return user


def _classified(view: Any, kind: PatientData) -> None:
    view.patient_data = kind


def staff_view(
    *, roles: Collection[str] | None, denied_template: str | None = None
) -> Callable[[V], V]:
    """A staff page: logged in, never cached, and only for users holding one
    of ``roles`` somewhere (``None``: any logged-in user). Anyone else gets
    404, which confirms nothing — or, with ``denied_template``, that page
    (with ``forbidden`` set) saying who may use it, still as 404.

    The patient data it shows comes through ``scoring.door``, which checks
    the patient's own organisation.
    """

    def decorate(view: V) -> V:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if roles is not None and not holds_role(staff_of(request), roles):
                if denied_template is None:
                    raise Http404
                return render(request, denied_template, {"forbidden": True}, status=404)
            return view(request, *args, **kwargs)

        guarded = login_required(never_cache(wrapper))
        _classified(guarded, PatientData.STAFF_DOOR)
        return guarded  # type: ignore[return-value]

    return decorate


def permission_view(*, permissions: Collection[str], denied_template: str) -> Callable[[V], V]:
    """A page for a site-wide role held as a Django permission (questionnaire
    content: ``questionnaires.manage_questionnaires``), not a role in an
    organisation: logged in, never cached, and for anyone holding none of
    ``permissions`` the ``denied_template`` page with status 403, saying who
    may use it. Such pages read no patient data (the test hook holds them to it).
    """

    def decorate(view: V) -> V:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            user = staff_of(request)
            if not any(user.has_perm(permission) for permission in permissions):
                return render(request, denied_template, status=403)
            return view(request, *args, **kwargs)

        guarded = login_required(never_cache(wrapper))
        _classified(guarded, PatientData.NONE)
        return guarded  # type: ignore[return-value]

    return decorate


def patient_own_session(view: V) -> V:
    """A patient page: what it reads is the patient's own, reached through their
    own session (or the link or visit code and birth date that open it)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        with patient_data_scope("patient"):
            return view(request, *args, **kwargs)

    _classified(wrapper, PatientData.OWN_SESSION)
    return wrapper  # type: ignore[return-value]


def no_patient_data(view: V) -> V:
    """A page that reads no patient data at all (the test hook holds it to that)."""
    _classified(view, PatientData.NONE)
    return view
