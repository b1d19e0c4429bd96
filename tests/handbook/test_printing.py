"""The print rules of portal.css: a document's links are followed by their address on paper."""
import re


def _print_rules(client) -> str:
    css = client.get("/static/css/portal.css").get_data(as_text=True)
    blocks = re.findall(r"@media print \{(.*?)\n\}", css, re.S)
    assert blocks, "portal.css has no @media print block"
    return "\n".join(blocks)


def test_links_in_a_documents_text_print_their_address_but_not_links_within_the_page(client):
    rules = _print_rules(client)
    assert '.prose a[href]:not([href^="#"])::after { content: " (" attr(href) ")";' in rules


def test_a_documents_table_is_printed_whole(client):
    assert ".prose .table-wrap { overflow: visible;" in _print_rules(client)


def test_the_stylesheet_with_the_print_rules_is_used_for_print(client, login_as, make_document):
    make_document()
    login_as("reader")
    page = client.get("/handbok/orosanmalan").get_data(as_text=True)
    link = re.search(r'<link rel="stylesheet" href="/static/css/portal\.css"([^>]*)>', page)
    assert link and "media=" not in link.group(1)  # every medium, print included
