"""Full-text search of internal chat: a message's searchable text, the query language and the
one SQL statement per database that answers it.

The query language is PostgreSQL's `websearch_to_tsquery`: words (all must match), "a phrase",
`-word` (must not match) and `or`. PostgreSQL reads it itself; for SQLite's FTS5 (the embedded
mode) `query_parse` turns it into an FTS5 expression whose every term is a quoted string, so
nothing typed can be FTS5 syntax. Both stem English words ("meetings" finds "meeting").
"""

import html
import re
from dataclasses import dataclass

import nh3
from django.db import connection
from django.utils.translation import gettext

from libchat.core.refusals import Refusal

QUERY_MAX_CHARS = 200
# Where a snippet's highlighted words start and end, before the snippet is escaped; characters
# from Unicode's private use area, removed from every body_text, so no message can fake them.
MARK_START, MARK_END = "\ue000", "\ue001"
FTS_TABLE = "internalchat_message_fts"
PG_CONFIG = "english"
# ts_headline's options: a snippet of up to two fragments of about 20 words.
_HEADLINE_OPTIONS = (
    f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=20, MinWords=6, "
    'MaxFragments=2, FragmentDelimiter=" … "'
)

MENTION_TOKEN = re.compile(r"@\{([od]):(\d{1,12})\}")
_BREAKS = re.compile(r"<br\s*/?>|</div>", re.IGNORECASE)


class SearchRefused(Refusal):
    """A search that cannot run: empty, too long, or nothing to look for."""


def body_plain_text(body: str) -> str:
    """A sanitised body as text: tags gone (a line break or a FAQ card's end is a new line),
    entities read, the snippet markers removed."""
    text = html.unescape(nh3.clean(_BREAKS.sub("\n", body), tags=set()))
    return text.replace(MARK_START, "").replace(MARK_END, "").strip()


@dataclass(frozen=True)
class Term:
    text: str
    negated: bool = False
    phrase: bool = False


_TERMS = re.compile(r'(-?)"([^"]*)"?|(\S+)')


def query_parse(query: str) -> list[Term | str]:
    """The query as terms and "or"s, as websearch_to_tsquery reads it; refuses a query that
    cannot find anything."""
    if not isinstance(query, str) or not query.strip():
        raise SearchRefused("empty", gettext("Type something to search for."))
    query = query.strip()
    if len(query) > QUERY_MAX_CHARS:
        raise SearchRefused(
            "too_long",
            gettext("Searches can be %(max)s characters at most.") % {"max": QUERY_MAX_CHARS},
        )
    parsed: list[Term | str] = []
    for match in _TERMS.finditer(query):
        minus, phrase, word = match.groups()
        if word is not None:
            if word.lower() == "or":
                parsed.append("or")
                continue
            negated = word.startswith("-")
            word = word.lstrip("-")
            if re.search(r"\w", word):
                parsed.append(Term(word, negated))
        elif re.search(r"\w", phrase):
            parsed.append(Term(phrase, bool(minus), phrase=True))
    if not any(isinstance(t, Term) and not t.negated for t in parsed):
        raise SearchRefused(
            "bad_query", gettext('Add a word to look for: "-word" only leaves words out.')
        )
    return parsed


def query_contradicts(terms: list[Term | str]) -> bool:
    """Whether the query leaves out a word it asks for ("fax -fax"), so nothing can match: no
    need to ask the database, which would read every message to find none."""
    if "or" in terms:
        return False
    wanted = {t.text.lower() for t in terms if isinstance(t, Term) and not t.negated}
    return any(isinstance(t, Term) and t.negated and t.text.lower() in wanted for t in terms)


def fts5_expression(terms: list[Term | str]) -> str:
    """An FTS5 MATCH expression: terms are quoted strings (a phrase keeps its words in order);
    spaces are AND, NOT binds tightest, as in websearch_to_tsquery."""
    parts: list[str] = []
    for term in terms:
        if term == "or":
            if parts and parts[-1] not in ("OR",):
                parts.append("OR")
            continue
        quoted = '"' + term.text.replace('"', '""') + '"'
        if term.negated:
            if not parts or parts[-1] == "OR":
                continue  # FTS5's NOT needs a left side; it only ever narrows one
            parts.append(f"NOT {quoted}")
        else:
            parts.append(quoted)
    while parts and parts[-1] == "OR":
        parts.pop()
    return " ".join(parts)


def matching_ids_sql(*, query: str, terms: list, room_ids: list[int], limit: int):
    """The statement giving (id, snippet) of the newest matching messages in the given rooms.

    The rooms are given as values, not as a subquery: with the list in hand the planner knows
    how many rooms there are, and for a common word walks the newest messages backwards until
    it has enough, instead of gathering every match room by room (1 s at a million messages)."""
    if connection.vendor == "postgresql":
        # PostgreSQL estimates a phrase as if its words were anywhere in a message: for two
        # common words it walks back through the newest messages looking for a rare phrase
        # (0.8 s at a million). "id + 0" keeps it on the index of words, then sorts the few
        # messages that hold the phrase (20 ms). Other queries keep the planner's choice.
        phrase = any(isinstance(t, Term) and t.phrase and not t.negated for t in terms)
        order = "(m.id + 0) DESC" if phrase else "m.id DESC"
        # The text goes to ts_headline escaped: its parser takes "<img ...>" typed in a message
        # for a tag and leaves it out of the snippet; escaped, it is text like any other.
        sql = (
            "SELECT m.id, ts_headline(%s, replace(replace(replace(m.body_text, '&', '&amp;'), "
            "'<', '&lt;'), '>', '&gt;'), q, %s) "
            "FROM internalchat_message m, websearch_to_tsquery(%s, %s) q "
            "WHERE m.search_vector @@ q AND m.room_id = ANY(%s) "
            f"ORDER BY {order} LIMIT %s"
        )
        params = [PG_CONFIG, _HEADLINE_OPTIONS, PG_CONFIG, query, room_ids, limit]
    else:
        # The newest matches first, straight from FTS5's rowid order (stopping at the limit),
        # then a snippet for those only: snippet() is the costly part.
        sql = (
            f"SELECT rowid, snippet({FTS_TABLE}, 0, %s, %s, ' … ', 20) FROM {FTS_TABLE} "
            f"WHERE {FTS_TABLE} MATCH %s AND rowid IN ("
            f"  SELECT f.rowid FROM {FTS_TABLE} f JOIN internalchat_message m ON m.id = f.rowid"
            f"  WHERE {FTS_TABLE} MATCH %s AND m.room_id IN ({', '.join(['%s'] * len(room_ids))})"
            "  ORDER BY f.rowid DESC LIMIT %s"
            ") ORDER BY rowid DESC"
        )
        expression = fts5_expression(terms)
        params = [MARK_START, MARK_END, expression, expression, *room_ids, limit]
    return sql, params


_MARKED = re.compile(f"{MARK_START}(.*?){MARK_END}", re.DOTALL)


def snippet_html(snippet: str) -> str:
    """The snippet as HTML: everything escaped, the matching words in <mark>. PostgreSQL's
    snippets come escaped already (see matching_ids_sql): read, then escaped again, whatever
    ts_headline did to them."""
    if connection.vendor == "postgresql":
        snippet = html.unescape(snippet or "")
    escaped = html.escape(snippet or "", quote=True)
    marked = _MARKED.sub(r"<mark>\1</mark>", escaped)
    return marked.replace(MARK_START, "").replace(MARK_END, "")


# ---- The index, created by migration 0003 --------------------------------------------------

POSTGRES_INDEX = [
    f"ALTER TABLE internalchat_message ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
    f"(to_tsvector('{PG_CONFIG}'::regconfig, body_text)) STORED",
    "CREATE INDEX internalchat_message_search ON internalchat_message USING GIN (search_vector)",
]
POSTGRES_INDEX_DROP = [
    "DROP INDEX IF EXISTS internalchat_message_search",
    "ALTER TABLE internalchat_message DROP COLUMN IF EXISTS search_vector",
]
# External content: the FTS table holds only the index; triggers keep it in step with every
# insert, delete (the scrub) and change of body_text. A migration that makes SQLite rebuild the
# message table drops these triggers: tests/internalchat/test_search.py checks they exist.
SQLITE_INDEX = [
    f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(body_text, content='internalchat_message', "
    "content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')",
    f"CREATE TRIGGER {FTS_TABLE}_insert AFTER INSERT ON internalchat_message BEGIN "
    f"INSERT INTO {FTS_TABLE}(rowid, body_text) VALUES (new.id, new.body_text); END",
    f"CREATE TRIGGER {FTS_TABLE}_delete AFTER DELETE ON internalchat_message BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, body_text) "
    "VALUES ('delete', old.id, old.body_text); END",
    f"CREATE TRIGGER {FTS_TABLE}_update AFTER UPDATE OF body_text ON internalchat_message BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, body_text) "
    "VALUES ('delete', old.id, old.body_text); "
    f"INSERT INTO {FTS_TABLE}(rowid, body_text) VALUES (new.id, new.body_text); END",
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')",
]
SQLITE_INDEX_DROP = [
    f"DROP TRIGGER IF EXISTS {FTS_TABLE}_insert",
    f"DROP TRIGGER IF EXISTS {FTS_TABLE}_delete",
    f"DROP TRIGGER IF EXISTS {FTS_TABLE}_update",
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
]
