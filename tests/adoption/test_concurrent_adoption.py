"""Ticks and confirmations of one unit's routine that race each other (double clicks, two tabs, two
unit heads): each is stored once, with one audit event."""
import threading

from sqlalchemy import func, select

from portal.adoption import services
from portal.adoption.models import Adoption, Confirmation, ItemProgress
from portal.audit import AuditEvent
from portal.extensions import db
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
