"""The baseline of bench/pages.py: a bare Flask "hello" page, served by gunicorn like the portal."""
from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello, World!"


@app.get("/bytes/<int:size>")
def same_size(size: int):
    """A bare page as large as the portal page it is compared with: what the bytes alone cost
    gunicorn, the kernel and wrk (bench/pages.py asks for the document page's size)."""
    text = "Hello, World!"
    return text + "x" * max(0, min(size, 1_000_000) - len(text)), {"Content-Type": "text/html; charset=utf-8"}
