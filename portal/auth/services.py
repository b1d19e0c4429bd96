"""Account rules: create, authenticate with throttling, passwords, disable, roles and scopes."""
import math
import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache

import email_validator
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, g
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.util import identity_key

from portal.paging import Paging
from portal import audit, usercache
from portal.clock import utcnow
from portal.auth.models import ROLES, LoginThrottle, RoleGrant, User, new_session_token
from portal.errors import NotFound, ValidationError
from portal.extensions import db
from portal.handbook.models import ContentVersion
from portal.org.models import Department, Unit

MIN_PASSWORD_LENGTH = 10
# Addresses are checked by email-validator (syntax of RFC 5321/5322 and internationalised names, no DNS
# look-up: the intranet may have none). An account's address is its login, and a municipality's
# directory may use an internal domain such as kommun.local, which the library counts as reserved.
if "local" in email_validator.SPECIAL_USE_DOMAIN_NAMES:
    email_validator.SPECIAL_USE_DOMAIN_NAMES.remove("local")


def _hasher() -> PasswordHasher:
    return PasswordHasher(
        time_cost=current_app.config["ARGON2_TIME_COST"],
        memory_cost=current_app.config["ARGON2_MEMORY_COST"],
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def validate_email(email: str) -> str:
    email = normalize_email(email)
    try:
        checked = email_validator.validate_email(email, check_deliverability=False)
    except email_validator.EmailNotValidError:
        checked = None
    if checked is None or len(checked.normalized) > 254:
        raise ValidationError("Ange en giltig e-postadress, t.ex. namn@kommun.se.", field="email")
    return checked.normalized.lower()


def validate_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            f"Lösenordet måste ha minst {MIN_PASSWORD_LENGTH} tecken.", field="password")
    if len(password) > 1000:
        raise ValidationError("Lösenordet är för långt (högst 1000 tecken).", field="password")


def refuse_control_characters(value: str, field: str) -> None:
    """Refuse names with control characters (other domains' names too, e.g. API tokens):
    names end up in the audit log, CSV exports and `flask users list` on a terminal."""
    if any(unicodedata.category(c) == "Cc" for c in value or ""):
        raise ValidationError("Texten innehåller otillåtna tecken (styrtecken).", field=field)


def _single_spaced(text: str | None) -> str:
    """A name or title as it is shown: no spaces at the ends, one between words ("Ny  Person")."""
    return " ".join((text or "").split())


def generate_password() -> str:
    return secrets.token_urlsafe(12)


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("Användaren finns inte.")
    return user


def list_users() -> list[User]:
    return list(db.session.scalars(select(User).options(selectinload(User.unit).selectinload(Unit.department))
                                   .order_by(User.name)))


@dataclass
class UserPage(Paging):
    """One page of the user list, with what the pagination macro asks."""

    items: list[User]
    total: int
    page: int
    per_page: int


def search_users(*, q: str = "", role: str = "", page: int = 1, per_page: int = 50) -> UserPage:
    """Accounts by name, those whose name or e-mail address contains `q` in any letter case, with
    the role (`reader`: no role but reading); page `page`, or the last one when there are fewer.

    The text is matched in Python: SQLite folds only ASCII letters ("åsa" would not find "Åsa"). One
    narrow query of every matching account's id, name and address, then one for the page itself."""
    stmt = select(User.id, User.name, User.email).order_by(User.name, User.id)
    if role == "reader":
        stmt = stmt.where(~User.grants.any())
    elif role:
        stmt = stmt.where(User.grants.any(RoleGrant.role == role))
    wanted = (q or "").strip().casefold()
    ids = [row.id for row in db.session.execute(stmt)
           if not wanted or wanted in row.name.casefold() or wanted in row.email.casefold()]
    pages = max(1, math.ceil(len(ids) / per_page))
    page = min(max(page, 1), pages)
    chosen = ids[(page - 1) * per_page:page * per_page]
    users = {u.id: u for u in db.session.scalars(
        select(User).where(User.id.in_(chosen)).options(selectinload(User.unit).selectinload(Unit.department)))}
    return UserPage(items=[users[i] for i in chosen], total=len(ids), page=page, per_page=per_page)


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


def create_user(actor, email: str, name: str, password: str, *, title: str = "",
                unit: Unit | None = None) -> User:
    email = validate_email(email)
    refuse_control_characters(name, "name")
    refuse_control_characters(title, "title")
    name, title = _single_spaced(name), _single_spaced(title)
    if not name:
        raise ValidationError("Ange ett namn.", field="name")
    if len(name) > 200:
        raise ValidationError("Namnet får vara högst 200 tecken.", field="name")
    if len(title) > 200:
        raise ValidationError("Titeln får vara högst 200 tecken.", field="title")
    validate_password(password)
    _refuse_inactive_units([unit] if unit else [], "unit")
    if find_user_by_email(email):
        raise ValidationError("Det finns redan ett konto med den e-postadressen.", field="email")
    user = User(email=email, name=name, title=title,
                password_hash=hash_password(password), unit=unit)
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.created", user, f"Konto skapat för {name} <{email}>"
                 + (f", enhet {unit.name_with_department}" if unit else ""))
    db.session.commit()
    return user


# --- Login -------------------------------------------------------------------------------------

class LoginThrottled(Exception):
    def __init__(self, wait_seconds: int):
        super().__init__(wait_seconds)
        self.wait_seconds = wait_seconds


class AccountDisabled(Exception):
    """The right password for an account an admin has disabled. Saying so tells nothing to someone
    who does not know the password, and tells the owner to call the admin instead of retrying."""


def _throttle_wait(throttle: LoginThrottle | None) -> int:
    """Seconds to wait before the next attempt, growing with each failure past the free ones."""
    config = current_app.config
    if throttle is None or throttle.failures < config["LOGIN_FREE_ATTEMPTS"]:
        return 0
    excess = throttle.failures - config["LOGIN_FREE_ATTEMPTS"]
    delay = min(config["LOGIN_DELAY_SECONDS"] * (2 ** min(excess, 20)),
                config["LOGIN_MAX_DELAY_SECONDS"])
    remaining = (throttle.last_failure_at + timedelta(seconds=delay) - utcnow()).total_seconds()
    return math.ceil(remaining) if remaining > 0 else 0


def authenticate(email: str, password: str) -> User | None:
    """Return the user for valid credentials, None otherwise; raise LoginThrottled when slowed down,
    AccountDisabled for the right password of a disabled account.

    The answer never tells whether the e-mail address exists: unknown addresses are throttled,
    logged and hashed against exactly like known ones.
    """
    email = normalize_email(email)[:254]
    throttle = db.session.get(LoginThrottle, email)
    wait = _throttle_wait(throttle)
    if wait:
        raise LoginThrottled(wait)
    user = find_user_by_email(email)
    ok = False
    try:
        if user is not None:
            ok = _hasher().verify(user.password_hash, password or "")
        else:
            _hasher().verify(_dummy_hash(), password or "")
    except (VerificationError, InvalidHashError):
        ok = False
    if ok and user.active:
        if throttle is not None:
            db.session.delete(throttle)
        user.last_login_at = utcnow()
        if _hasher().check_needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        audit.record(user, "auth.login", user, "Inloggad")
        db.session.commit()
        return user
    if throttle is None:
        throttle = LoginThrottle(email=email, failures=0)
        db.session.add(throttle)
    throttle.failures += 1
    throttle.last_failure_at = utcnow()
    reason = "konto inaktiverat" if ok else "fel lösenord eller okänd adress"
    audit.record(email or "okänd", "auth.login_failed", user, f"Misslyckad inloggning ({reason}), "
                 f"försök {throttle.failures}", target_type="user", target_label=email)
    current_app.logger.warning("Failed login for %r (attempt %d)", email, throttle.failures)
    db.session.commit()
    if ok:
        raise AccountDisabled()
    return None


_DUMMY_HASH: dict[tuple, str] = {}


def _dummy_hash() -> str:
    key = (current_app.config["ARGON2_TIME_COST"], current_app.config["ARGON2_MEMORY_COST"])
    if key not in _DUMMY_HASH:
        _DUMMY_HASH[key] = hash_password(secrets.token_hex(16))
    return _DUMMY_HASH[key]


def record_logout(user: User) -> None:
    audit.record(user, "auth.logout", user, "Utloggad")
    db.session.commit()


@cache
def _session_user_statement():
    # Every logged-in request loads its user: one query, with the role grants and the user's own unit
    # joined in (the start page names the unit; the scopes load only when something asks for them).
    # The same round trip reads the handbook's content version, which cached pages are checked
    # against (handbook.services.content_version).
    return (select(User, select(ContentVersion.token).where(ContentVersion.id == 1).scalar_subquery())
            .where(User.id == bindparam("user_id")).options(joinedload(User.grants), joinedload(User.unit)))


def load_user_from_session(session_id: str) -> User | None:
    """Flask-Login loader: the id carries the session token, so disabling or a new password
    ends every open session at its next request.

    A worker keeps the users it loaded (portal/usercache.py): the request gets its own copy in this
    request's session without a query, until any account, role or the handbook changes anywhere."""
    cache = usercache.user_cache()
    seen = cache.begin() if cache is not None else None
    if seen is not None:
        setattr(g, usercache.SEEN, seen)  # what was kept for this user (its site header) is valid under it
        hit = cache.restore(db.session, session_id or "", seen)
        if hit is not None:
            user, g.content_version = hit
            return user
    user_id, _, token = (session_id or "").partition(":")
    if not user_id.isdigit():
        return None
    # A user (or a unit) this request has already loaded elsewhere is not taken out of its session for
    # keeping: the request's other objects may refer to it.
    keep = seen is not None and not _holds_user_or_unit(int(user_id))
    row = db.session.execute(_session_user_statement(), {"user_id": int(user_id)}).unique().one_or_none()
    if row is None:
        return None
    user, g.content_version = row[0], row[1] or ""
    if not user.active or not secrets.compare_digest(user.session_token, token):
        return None
    return cache.keep(db.session, session_id, seen, user, g.content_version) if keep else user


def _holds_user_or_unit(user_id: int) -> bool:
    identity_map = db.session.identity_map
    return identity_key(User, user_id) in identity_map or any(isinstance(obj, Unit)
                                                              for obj in identity_map.values())


def load_user_from_request(request) -> User | None:
    """Flask-Login loader for API calls: a personal token as `Authorization: Bearer svp_…`."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not request.path.startswith("/api/"):
        return None
    from portal.api.services import user_for_token

    return user_for_token(token.strip())


# --- Changes to accounts ------------------------------------------------------------------------

def change_password(user: User, current_password: str, new_password: str) -> None:
    try:
        _hasher().verify(user.password_hash, current_password or "")
    except (VerificationError, InvalidHashError):
        raise ValidationError("Nuvarande lösenord stämmer inte.", field="current_password")
    validate_password(new_password)
    if new_password == current_password:
        raise ValidationError("Välj ett nytt lösenord som skiljer sig från det gamla.",
                              field="new_password")
    user.password_hash = hash_password(new_password)
    user.session_token = new_session_token()
    audit.record(user, "auth.password_changed", user, "Lösenordet bytt; andra sessioner avslutade")
    db.session.commit()


def set_password(actor, user: User, new_password: str, *, generated: bool = False) -> None:
    """Give an account a new password without knowing the old one (an administrator's reset for a
    forgotten password, `flask users set-password`, the demo's reload).

    Rotating the session token ends every open session of the account, as disabling does; the
    login throttle on its address goes too, so the person can log in with the new password at once.
    The password itself is never logged.
    """
    if getattr(actor, "id", None) is not None and actor.id == user.id:
        raise ValidationError("Byt ditt eget lösenord under Mitt konto.")
    validate_password(new_password)
    user.password_hash = hash_password(new_password)
    user.session_token = new_session_token()
    throttle = db.session.get(LoginThrottle, user.email)
    if throttle is not None:
        db.session.delete(throttle)
    audit.record(actor, "user.password_set", user,
                 f"Nytt lösenord ({'slumpat' if generated else 'angivet av administratören'}); "
                 "alla inloggningar avslutade")
    db.session.commit()


def set_generated_password(actor, user: User) -> str:
    """Set a random password and return it, to be shown once and never stored in plain text."""
    password = generate_password()
    set_password(actor, user, password, generated=True)
    return password


def set_active(actor, user: User, active: bool) -> bool:
    """Enable or disable an account; False when it already was so (nothing logged)."""
    if actor is not None and getattr(actor, "id", None) == user.id and not active:
        raise ValidationError("Du kan inte inaktivera ditt eget konto.")
    if user.active == active:
        return False
    user.active = active
    user.session_token = new_session_token()
    audit.record(actor, "user.enabled" if active else "user.disabled", user,
                 "inaktiv → aktiv" if active else "aktiv → inaktiv")
    db.session.commit()
    return True


def update_profile(actor, user: User, *, name: str, title: str, unit: Unit | None) -> bool:
    """Change name, title and home unit; False when they are as given already (nothing logged)."""
    refuse_control_characters(name, "name")
    refuse_control_characters(title, "title")
    name, title = _single_spaced(name), _single_spaced(title)
    if not name or len(name) > 200:
        raise ValidationError("Ange ett namn (högst 200 tecken).", field="name")
    if len(title) > 200:
        raise ValidationError("Titeln får vara högst 200 tecken.", field="title")
    if unit is not None and unit.id != user.unit_id:
        _refuse_inactive_units([unit], "unit")
    if (user.name, user.title, user.unit_id) == (name, title, unit.id if unit else None):
        return False
    # Units are compared by id and named with their department: two departments may have units
    # of the same name, and a move between them is a change like any other.
    before = f"{user.name}, {user.title or '–'}, {user.unit.name_with_department if user.unit else '–'}"
    user.name, user.title, user.unit = name, title, unit
    after = f"{user.name}, {user.title or '–'}, {unit.name_with_department if unit else '–'}"
    audit.record(actor, "user.updated", user, f"{before} → {after}")
    db.session.commit()
    return True


def _refuse_inactive_units(units, field: str) -> None:
    """A unit made inactive takes no new staff or heads (those it has keep it until changed)."""
    inactive = [u for u in units if not u.active]
    if inactive:
        names = ", ".join(u.name_with_department for u in inactive)
        raise ValidationError(f"{names} är {'inaktiva' if len(inactive) > 1 else 'inaktiv'}. Aktivera "
                              "enheten under Organisation först, eller välj en annan.", field=field)


# Which role each kind of scope belongs to: a unit head heads units, an editor edits for departments.
SCOPE_ROLES = {"units": "unit_head", "departments": "editor"}


def _refuse_scopes_of_other_roles(role: str, units, departments) -> None:
    """Refuse units or departments given with a role they do not belong to: stored on the user,
    they would silently become that other role's scope the day it is granted."""
    for field, scope, kind in (("units", units, "Enheter"), ("departments", departments, "Förvaltningar")):
        owner = SCOPE_ROLES[field]
        if scope and role != owner:
            raise ValidationError(
                f"{kind} hör bara till rollen {ROLES[owner]}, inte till {ROLES.get(role, role)}. "
                f"Ge rollen utan {kind.lower()}, eller välj rollen {ROLES[owner]}.", field=field)


@dataclass
class GrantOutcome:
    """What a grant changed: the role itself (False when the user had it already) and what it added
    to the scope. Nothing of it: the grant changed nothing and logged nothing."""

    granted: bool = False
    units: list[Unit] = field(default_factory=list)
    departments: list[Department] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.granted or bool(self.units or self.departments)


def grant_role(actor, user: User, role: str, *, units: list[Unit] = (),
               departments: list[Department] = ()) -> GrantOutcome:
    """Give a role; a unit head needs the units they head, an editor the departments they edit for,
    and no role takes the other's scope. Granting a role the user has adds the units or departments
    given that they lack."""
    if role not in ROLES:
        raise ValidationError(f"Okänd roll: {role}. Välj en av: {', '.join(ROLES)}.", field="role")
    _refuse_scopes_of_other_roles(role, units, departments)
    if role == "reader":
        return GrantOutcome()  # every account reads
    _refuse_inactive_units([u for u in units if u not in user.headed_units], "units")
    held = user.has_role(role)
    if role == "unit_head" and not units and not (held and user.headed_units):
        raise ValidationError("Välj minst en enhet som rektorn/enhetschefen ansvarar för.",
                              field="units")
    if role == "editor" and not departments and not (held and user.editor_departments):
        raise ValidationError("Välj minst en förvaltning som redaktören arbetar för.",
                              field="departments")
    if not held:
        user.grants.append(RoleGrant(role=role))
        audit.record(actor, "user.role_granted", user, f"+ {ROLES[role]}")
        _drop_stray_scope(actor, user, role)
    added_units, added_departments = _extend_scope(actor, user, units, departments)
    outcome = GrantOutcome(granted=not held, units=added_units, departments=added_departments)
    if outcome.changed:
        db.session.commit()
    return outcome


def _drop_stray_scope(actor, user: User, role: str) -> None:
    """Forget units or departments left on the user without their role (stored before grants were
    checked; the policy never honoured them): the new grant's scope is what it was given, nothing more."""
    stray = user.headed_units if role == "unit_head" else user.editor_departments if role == "editor" else []
    if stray:
        names = ", ".join(_scope_name(s) for s in stray)
        stray.clear()
        audit.record(actor, "user.scope_changed", user, f"- {names} (utan rollen {ROLES[role]}, gällde inte)")


def _extend_scope(actor, user, units, departments) -> tuple[list[Unit], list[Department]]:
    added = []
    for unit in units:
        if unit not in user.headed_units and unit not in added:
            added.append(unit)
    user.headed_units.extend(added)
    added_departments = []
    for department in departments:
        if department not in user.editor_departments and department not in added_departments:
            added_departments.append(department)
    user.editor_departments.extend(added_departments)
    if added or added_departments:
        names = [_scope_name(s) for s in added + added_departments]
        audit.record(actor, "user.scope_changed", user, "+ " + ", ".join(names))
    return added, added_departments


def revoke_role(actor, user: User, role: str) -> bool:
    """Take a role away, with its scope; False when the user did not have it (nothing logged)."""
    grant = next((g for g in user.grants if g.role == role), None)
    if grant is None:
        return False
    if role == "admin" and getattr(actor, "id", None) == user.id:
        raise ValidationError("Du kan inte ta bort din egen administratörsroll.")
    user.grants.remove(grant)
    scope = ""
    if role == "unit_head":
        scope = ("; enheter: " + ", ".join(_scope_name(u) for u in user.headed_units)
                 if user.headed_units else "")
        user.headed_units.clear()
    if role == "editor":
        scope = ("; förvaltningar: " + ", ".join(d.name for d in user.editor_departments)
                 if user.editor_departments else "")
        user.editor_departments.clear()
    audit.record(actor, "user.role_revoked", user, f"- {ROLES[role]}{scope}")
    db.session.commit()
    return True


def set_scope(actor, user: User, *, units: list[Unit], departments: list[Department]) -> bool:
    """Replace which units a unit head heads and which departments an editor edits for; False when
    they are those already (nothing logged)."""
    if units and not user.has_role("unit_head"):
        raise ValidationError(f"{user.name} är inte {ROLES['unit_head'].lower()}. Ge först rollen, "
                              "med enheterna.", field="units")
    if departments and not user.has_role("editor"):
        raise ValidationError(f"{user.name} är inte {ROLES['editor'].lower()}. Ge först rollen, "
                              "med förvaltningarna.", field="departments")
    if user.has_role("unit_head") and not units:
        raise ValidationError("En rektor/enhetschef måste ansvara för minst en enhet.", field="units")
    if user.has_role("editor") and not departments:
        raise ValidationError("En redaktör måste ha minst en förvaltning.", field="departments")
    _refuse_inactive_units([u for u in units if u not in user.headed_units], "units")
    before_ids = ({u.id for u in user.headed_units}, {d.id for d in user.editor_departments})
    before = _scope_names(user)
    # dict.fromkeys: a unit sent twice is one unit (the link table would refuse a second row).
    user.headed_units = list(dict.fromkeys(units)) if user.has_role("unit_head") else []
    user.editor_departments = list(dict.fromkeys(departments)) if user.has_role("editor") else []
    changed = ({u.id for u in user.headed_units}, {d.id for d in user.editor_departments}) != before_ids
    if changed:
        audit.record(actor, "user.scope_changed", user,
                     f"{', '.join(before) or '–'} → {', '.join(_scope_names(user)) or '–'}")
    db.session.commit()
    return changed


def _scope_name(unit_or_department) -> str:
    return getattr(unit_or_department, "name_with_department", None) or unit_or_department.name


def _scope_names(user: User) -> list[str]:
    return (sorted(_scope_name(u) for u in user.headed_units)
            + sorted(d.name for d in user.editor_departments))
