"""The baseline of bench/pages.py: a bare Flask "hello" page, served by gunicorn like the portal."""
from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello, World!"
