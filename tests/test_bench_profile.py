"""bench/profile_worker.py: the shares it prints are counted from py-spy's raw samples correctly."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import profile_worker  # noqa: E402


def test_a_part_counts_once_per_sample_and_shares_are_of_all_samples():
    raw = "\n".join([
        # Flask.wsgi_app twice in one stack (a nested call) counts once: 3 samples, not 6.
        "run (gunicorn/app/wsgiapp.py:1);Flask.wsgi_app (flask/app.py:1479);Flask.wsgi_app (flask/app.py:1479);"
        "Template.render (jinja2/environment.py:1275) 3",
        "run (gunicorn/app/wsgiapp.py:1);Flask.wsgi_app (flask/app.py:1479);"
        "LoginManager._load_user (flask_login/login_manager.py:343) 1",
        "run (gunicorn/app/wsgiapp.py:1);Response.write (gunicorn/http/wsgi.py:330) 4",
    ])
    shares = profile_worker.shares(raw)
    assert shares["Flask request (everything the app does)"] == 50.0
    assert shares["    templates (base.html and the page's)"] == 37.5
    assert shares["    loading the user (Flask-Login, user cache)"] == 12.5
    assert shares["gunicorn: writing the response to the socket"] == 50.0
    assert shares["gunicorn: closing the connection"] == 0.0


def test_no_samples_give_no_shares():
    assert profile_worker.shares("") == {}
