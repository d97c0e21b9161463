"""A reply's body as a plain text area edits it: the editor's markup (b, i, u, links) with real
line breaks for the <br>s, so an operator or an admin writes it as they would type it."""

from libchat.core.richtext import text_normalise


def body_from_text_area(text: str) -> str:
    return text_normalise(text).replace("\n", "<br>")


def body_as_text_area(body: str) -> str:
    return body.replace("<br>", "\n")
