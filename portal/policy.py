"""The only place that decides whether a user may do an action to an object.

`can(user, action, obj)` answers; `authorize` raises PermissionDenied; `@requires(action)` guards a
view (login redirect for anonymous users, 403 for the logged-in). Templates get `can` as a global.
Scoped rules take the object when there is one; called without an object they answer whether the
user could do the action to *something* (used for navigation and route guards).
"""
from functools import wraps

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from portal.errors import PermissionDenied


class SystemActor:
    """The actor of command-line and import work: trusted, and named in the audit log."""

    is_authenticated = True
    is_active = True
    is_system = True
    id = None

    def __init__(self, label: str):
        self.email = label

    def has_role(self, role: str) -> bool:
        return True


def _is_admin(user) -> bool:
    return user.has_role("admin")


def _department_id_of(obj) -> int | None:
    """The department an object belongs to: a department itself, a unit, a document (owner)."""
    if obj is None:
        return None
    if hasattr(obj, "department_id"):
        return obj.department_id
    return getattr(obj, "id", None)


# A scope counts only with its role: a unit or department stored without it (an old row, written
# before grants were checked against their role) grants nothing.
def _headed_units(user) -> list:
    return user.headed_units if user.has_role("unit_head") else []


def _edited_departments(user) -> list:
    return user.editor_departments if user.has_role("editor") else []


def _edits_for(user, obj) -> bool:
    if not user.has_role("editor"):
        return False
    if obj is None:
        return True
    department_id = _department_id_of(obj)
    return any(d.id == department_id for d in _edited_departments(user))


def _heads(user, unit) -> bool:
    if unit is None:
        return bool(_headed_units(user))
    return any(u.id == unit.id for u in _headed_units(user))


def _sees_unit_adoption(user, unit) -> bool:
    if unit is None:
        return user.unit_id is not None or _heads(user, None) or user.has_role("editor")
    if user.unit_id == unit.id or _heads(user, unit) or _edits_for(user, unit):
        return True
    # A unit head sees the units of their own department.
    return any(u.department_id == unit.department_id for u in _headed_units(user))


def _sees_department_adoption(user, department) -> bool:
    if department is None:
        return _heads(user, None) or user.has_role("editor")
    if _edits_for(user, department):
        return True
    return any(u.department_id == department.id for u in _headed_units(user))


RULES = {
    # Handbook
    "document.read": lambda user, obj: True,
    "document.create": _edits_for,
    "document.edit": _edits_for,
    "document.view_drafts": _edits_for,
    # The Markdown source of a document's versions, and the notes to the editors it holds.
    "document.read_source": _edits_for,
    "editor.tools": lambda user, obj: user.has_role("editor"),
    "search.manage_synonyms": lambda user, obj: user.has_role("editor"),
    # Adoption
    "adoption.act": _heads,
    "adoption.view_unit": _sees_unit_adoption,
    "adoption.view_department": _sees_department_adoption,
    "adoption.dashboard": lambda user, obj: user.has_role("editor") or _heads(user, None),
    "adoption.set_deadline": _edits_for,
    # Own account
    "account.change_password": lambda user, obj: True,
    # Administration (only administrators, who pass every rule in `can`)
    "admin.access": lambda user, obj: False,
    "user.set_password": lambda user, obj: False,
}


def can(user, action: str, obj=None) -> bool:
    if action not in RULES:
        raise KeyError(f"Unknown policy action {action!r}")
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if getattr(user, "is_system", False) or _is_admin(user):
        return True
    return bool(RULES[action](user, obj))


def authorize(user, action: str, obj=None) -> None:
    if not can(user, action, obj):
        raise PermissionDenied()


def requires(action: str):
    """View decorator: anonymous users go to the login page, others need `can(user, action)`."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            user = current_user._get_current_object()  # not the proxy: `can` reads several attributes
            if not user.is_authenticated:
                if request.path.startswith("/api/"):
                    abort(401)
                if request.method == "POST":  # logged out (another tab, a timeout) while filling in a form
                    flash("Du är inte inloggad längre, så det du skickade sparades inte. Har du skrivit något du "
                          "vill behålla: gå tillbaka med webbläsarens Bakåt-knapp och kopiera det innan du "
                          "loggar in. Text i handbokens redigering finns kvar i den här fliken och erbjuds "
                          "igen när du har loggat in.", "warning")
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            authorize(user, action)
            return view(*args, **kwargs)

        wrapped.policy_action = action
        return wrapped

    return decorator
