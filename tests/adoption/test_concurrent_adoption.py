"""Ticks and confirmations of one unit's routine that race each other (double clicks, two tabs, two
unit heads): each is stored once, with one audit event."""
import threading

from sqlalchemy import func, select

from portal.adoption import services
from portal.adoption.models import Adoption, Confirmation, ItemProgress
from portal.audit import AuditEvent
from portal.extensions import db
from tests.adoption.helpers import change, checklist_form, my_unit_page
from tests.conftest import PASSWORD


def _count(model, **where) -> int:
    stmt = select(func.count()).select_from(model)
    for name, value in where.items():
        stmt = stmt.where(getattr(model, name) == value)
    return db.session.scalar(stmt)


def _simultaneously(app, monkeypatch, user, service_name, url, data, n=4):
    """POST the same form from n clients at once, each request past its own reads before any writes."""
    clients = []
    for _ in range(n):
        client = app.test_client()
        client.post("/logga-in", data={"email": user.email, "password": PASSWORD})
        clients.append(client)
    barrier = threading.Barrier(n, timeout=20)
    original = getattr(services, service_name)

    def after_all_have_read(*args, **kwargs):
        barrier.wait()
        return original(*args, **kwargs)

    monkeypatch.setattr(services, service_name, after_all_have_read)
    statuses = [None] * n

    def post(i):
        statuses[i] = clients[i].post(url, data=data).status_code

    threads = [threading.Thread(target=post, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    monkeypatch.setattr(services, service_name, original)
    db.session.expire_all()
    return statuses


def test_simultaneous_confirmations_store_one(app, make_user, routine, organisation, monkeypatch):
    head = make_user("unit_head")
    unit = organisation["school"]
    statuses = _simultaneously(app, monkeypatch, head, "confirm", f"/min-enhet/{unit.id}/orosanmalan/bekrafta",
                               {"revision": "1", "reason": "Genomgånget på APT, blanketten kommer"})
    assert statuses == [302] * 4
    assert _count(Confirmation) == 1
    assert _count(AuditEvent, action="adoption.confirmed") == 1


def test_simultaneous_first_confirmations_create_one_adoption(app, make_user, routine, organisation, monkeypatch):
    head = make_user("unit_head")
    unit = organisation["school"]
    assert _count(Adoption) == 0
    assert [302] * 4 == _simultaneously(app, monkeypatch, head, "confirm", f"/min-enhet/{unit.id}/orosanmalan/bekrafta",
                    {"revision": "1", "reason": "Genomgånget på APT, blanketten kommer"})
    assert (_count(Adoption), _count(Confirmation)) == (1, 1)


def test_simultaneous_ticks_of_one_item_are_one_change(app, client, login, make_user, routine, organisation,
                                                       monkeypatch):
    head = make_user("unit_head")
    unit = organisation["school"]
    login(head)
    # The item exists, not done, with a comment: each racing tick reads "not done".
    assert client.post(f"/min-enhet/{unit.id}/orosanmalan/punkt/0",
                       data={"revision": "1", "comment": "Tas upp på nästa APT"}).status_code == 302
    statuses = _simultaneously(app, monkeypatch, head, "set_item", f"/min-enhet/{unit.id}/orosanmalan/punkt/0",
                               {"revision": "1", "done": "y", "comment": "Tas upp på nästa APT"})
    assert statuses == [302] * 4
    assert _count(ItemProgress) == 1 and db.session.scalar(select(ItemProgress.done)) is True
    assert _count(AuditEvent, action="adoption.item_done") == 1


def test_simultaneous_ticks_of_different_items_keep_both(app, make_user, routine, organisation, monkeypatch):
    head = make_user("unit_head")
    unit = organisation["school"]
    clients = []
    for _ in range(2):
        c = app.test_client()
        c.post("/logga-in", data={"email": head.email, "password": PASSWORD})
        clients.append(c)
    barrier = threading.Barrier(2, timeout=20)
    original = services.set_item

    def after_both_have_read(*args, **kwargs):
        barrier.wait()
        return original(*args, **kwargs)

    monkeypatch.setattr(services, "set_item", after_both_have_read)
    threads = [threading.Thread(target=clients[i].post, args=(f"/min-enhet/{unit.id}/orosanmalan/punkt/{i}",),
                                kwargs={"data": {"revision": "1", "done": "y"}}) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    db.session.expire_all()
    assert sorted(db.session.scalars(select(ItemProgress.done)).all()) == [True, True]
    assert _count(AuditEvent, action="adoption.item_done") == 2


# --- The whole checklist in one form ---------------------------------------------------------------

def _checklist_data(app, user, unit, changes):
    """The checklist form of /min-enhet as a browser would send it with `changes` ({index: done})."""
    client = app.test_client()
    client.post("/logga-in", data={"email": user.email, "password": PASSWORD})
    action, data = checklist_form(my_unit_page(client, unit))
    for index, done in changes.items():
        data = change(data, index, done=done)
    data.pop("csrf_token")  # each client sends its own
    return action, data


def test_simultaneous_saves_of_one_checklist_are_one_change_per_item(app, make_user, routine, organisation,
                                                                     monkeypatch):
    head = make_user("unit_head")
    action, data = _checklist_data(app, head, organisation["school"], {0: True, 1: True})
    statuses = _simultaneously(app, monkeypatch, head, "save_checklist", action, data)
    assert statuses == [302] * 4
    assert (_count(Adoption), _count(ItemProgress), _count(ItemProgress, done=True)) == (1, 2, 2)
    assert _count(AuditEvent, action="adoption.item_done") == 2


def test_simultaneous_checklist_saves_of_different_items_keep_both(app, make_user, routine, organisation,
                                                                   monkeypatch):
    """Two unit heads of one school save at once, each having ticked another item: neither undoes the other."""
    heads = [make_user("unit_head", email="a@test.se"), make_user("unit_head", email="b@test.se")]
    unit = organisation["school"]
    forms = [_checklist_data(app, head, unit, {i: True}) for i, head in enumerate(heads)]
    clients = []
    for head in heads:
        c = app.test_client()
        c.post("/logga-in", data={"email": head.email, "password": PASSWORD})
        clients.append(c)
    barrier = threading.Barrier(2, timeout=20)
    original = services.save_checklist

    def after_both_have_read(*args, **kwargs):
        barrier.wait()
        return original(*args, **kwargs)

    monkeypatch.setattr(services, "save_checklist", after_both_have_read)
    statuses = [None, None]

    def post(i):
        statuses[i] = clients[i].post(forms[i][0], data=forms[i][1]).status_code

    threads = [threading.Thread(target=post, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    db.session.expire_all()
    assert statuses == [302, 302]
    assert sorted(db.session.scalars(select(ItemProgress.done)).all()) == [True, True]
    assert _count(AuditEvent, action="adoption.item_done") == 2
