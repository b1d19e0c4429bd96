"""WSGI entry point: the only place an app is created at import time."""
from config import config_from_env
from portal import create_app

app = create_app(config_from_env())
