"""Reading rendered pages in the page tests."""

from bs4 import BeautifulSoup


def parse(response, status: int = 200) -> BeautifulSoup:
    assert response.status_code == status, response.status_code
    return BeautifulSoup(response.content.decode(), "html.parser")


def text(node) -> str:
    """The visible text of a node, white space (no-break spaces of French numbers included)
    collapsed to single spaces."""
    return " ".join(node.get_text(" ").split())
