"""The embedded search index: its own SQLite file, FTS5 for the terms, plain tables for filters.

The developer default, and the reference for :mod:`.elastic`: both index the terms of
:func:`.analysis.field_tokens` and score a match as the sum, over query terms, of
:data:`.analysis.FIELD_WEIGHTS` of the fields holding the term.

Why not FTS5's ``bm25()``: it pools term frequency over the columns and normalises by
the length of the *whole row*, so a long description can sink a product whose title
matches below one that only mentions the term in its description; and no
Elasticsearch query computes the same formula (its idf differs, and its field lengths
are stored lossily), so no two result lists would be guaranteed equal.  The weighted
field-presence score is computed exactly by both, whatever the index statistics.

Layout (``detail=column``: no positions are kept, none are needed):

* ``document_text``: FTS5, one column per field, each the space-joined terms, with the
  ``ascii`` tokenizer: it counts every non-ASCII character as part of a word and splits
  on ASCII spaces and punctuation only, so each term, Han ones included (even from the
  CJK extensions that ``unicode61``'s Unicode 6.1 tables do not know), stays one token;
* ``document_terms``: the FTS5 ``fts5vocab`` view listing (term, doc, col), which gives
  both the AND match and the score in one grouped query;
* ``documents``, ``document_categories``, ``document_certifications``: the filter fields.

Each operation opens its own connection and runs in one transaction; the file is in
WAL mode, so a Flask dev server and inline tasks can read while another writes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Final

from gannan.catalog.search.analysis import FIELD_WEIGHTS, epoch_millis, field_tokens, query_tokens
from gannan.catalog.search.base import SearchDocument, SearchQuery, SearchResult, Sort

FTS_TOKENIZER: Final = "ascii"
_FIELDS = tuple(FIELD_WEIGHTS)

_SCHEMA = (
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS document_text
        USING fts5({", ".join(_FIELDS)}, tokenize = '{FTS_TOKENIZER}', detail = column)""",
    "CREATE VIRTUAL TABLE IF NOT EXISTS document_terms USING fts5vocab(document_text, instance)",
    """CREATE TABLE IF NOT EXISTS documents (
        product_id INTEGER PRIMARY KEY,
        county_code TEXT NOT NULL,
        seller_id INTEGER NOT NULL,
        min_price_fen INTEGER NOT NULL,
        in_stock INTEGER NOT NULL,
        published_ms INTEGER NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS document_categories (
        product_id INTEGER NOT NULL,
        slug TEXT NOT NULL,
        PRIMARY KEY (product_id, slug)
    ) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS document_categories_slug ON document_categories (slug)",
    """CREATE TABLE IF NOT EXISTS document_certifications (
        product_id INTEGER NOT NULL,
        kind TEXT NOT NULL,
        valid_from TEXT NOT NULL,
        valid_until TEXT
    )""",
    """CREATE INDEX IF NOT EXISTS document_certifications_product
        ON document_certifications (product_id)""",
)
# Each table holding product rows, with the column holding the product id.
_KEYS = {"document_text": "rowid", "documents": "product_id",
         "document_categories": "product_id", "document_certifications": "product_id"}

# A certificate is valid on a day inside [valid_from, valid_until]; no end: open.
_VALID_ON = "valid_from <= ? AND (valid_until IS NULL OR valid_until >= ?)"

_ORDER: Final[dict[Sort, str]] = {
    "relevance": "score DESC, product_id DESC",
    "price_asc": "min_price_fen ASC, product_id DESC",
    "price_desc": "min_price_fen DESC, product_id DESC",
    "newest": "published_ms DESC, product_id DESC",
}

_FACETS = {
    "category": """SELECT slug, COUNT(*) FROM selected JOIN document_categories USING (product_id)
                   GROUP BY slug""",
    "county": "SELECT county_code, COUNT(*) FROM selected GROUP BY county_code",
    "certification": f"""SELECT kind, COUNT(DISTINCT product_id)
                         FROM selected JOIN document_certifications USING (product_id)
                         WHERE {_VALID_ON} GROUP BY kind""",
}


class SqliteSearchBackend:
    """The :class:`~.base.SearchBackend` on an SQLite file of its own at ``path``."""

    name = "sqlite"

    def __init__(self, path: str) -> None:
        self.path = path

    def ensure_index(self) -> None:
        self._prepare_file()
        with self._transaction(write=True) as conn:
            _create(conn)

    def reset(self) -> None:
        self._prepare_file()
        with self._transaction(write=True) as conn:
            for table in ("document_terms", *_KEYS):  # the view before the table it reads
                conn.execute(f"DROP TABLE IF EXISTS {table}")
            _create(conn)

    def upsert(self, docs: Sequence[SearchDocument]) -> None:
        latest = {doc.product_id: doc for doc in docs}  # the last version of each wins
        with self._transaction(write=True) as conn:
            _delete(conn, list(latest))
            for doc in latest.values():
                _insert(conn, doc)

    def delete(self, product_ids: Sequence[int]) -> None:
        with self._transaction(write=True) as conn:
            _delete(conn, product_ids)

    def refresh(self) -> None:
        """Nothing to do: a write is visible to search once its transaction commits."""

    def search(self, query: SearchQuery) -> SearchResult:
        offset = (query.page - 1) * query.page_size
        today = query.today.isoformat()
        with self._transaction(write=False) as conn:
            conn.execute(*_select(query))
            total = conn.execute("SELECT COUNT(*) FROM selected").fetchone()[0]
            page = conn.execute(
                f"SELECT product_id FROM selected ORDER BY {_ORDER[query.sort]} LIMIT ? OFFSET ?",
                (query.page_size, offset),
            )
            ids = [product_id for (product_id,) in page]
            facets = {
                name: dict(conn.execute(sql, (today, today) if name == "certification" else ()))
                for name, sql in _FACETS.items()
            }
        return SearchResult(ids=ids, total=total, facets=facets)

    def _prepare_file(self) -> None:
        """Create the folder, and put the file in WAL mode (a lasting property of the file)."""
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as conn:
            conn.execute("PRAGMA journal_mode = WAL")

    def _connect(self) -> sqlite3.Connection:
        # Autocommit mode: transactions are begun explicitly by _transaction.
        return sqlite3.connect(self.path, timeout=30, isolation_level=None)

    @contextmanager
    def _transaction(self, write: bool) -> Iterator[sqlite3.Connection]:
        """A connection inside one transaction: IMMEDIATE for writes, a snapshot for reads."""
        with closing(self._connect()) as conn:
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")


def _create(conn: sqlite3.Connection) -> None:
    for statement in _SCHEMA:
        conn.execute(statement)


def _delete(conn: sqlite3.Connection, product_ids: Sequence[int]) -> None:
    rows = [(product_id,) for product_id in product_ids]
    for table, key in _KEYS.items():
        conn.executemany(f"DELETE FROM {table} WHERE {key} = ?", rows)


def _insert(conn: sqlite3.Connection, doc: SearchDocument) -> None:
    tokens = field_tokens(doc)
    columns = ", ".join(_FIELDS)
    conn.execute(
        f"INSERT INTO document_text (rowid, {columns}) VALUES (?{', ?' * len(_FIELDS)})",
        (doc.product_id, *(tokens[field] for field in _FIELDS)),
    )
    conn.execute(
        "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?)",
        (doc.product_id, doc.county_code, doc.seller_id, doc.min_price_fen, doc.in_stock,
         epoch_millis(doc.published_at)),
    )
    conn.executemany(
        "INSERT OR IGNORE INTO document_categories VALUES (?, ?)",
        [(doc.product_id, slug) for slug in doc.category_slugs],
    )
    conn.executemany(
        "INSERT INTO document_certifications VALUES (?, ?, ?, ?)",
        [(doc.product_id, span.kind, span.valid_from.isoformat(),
          span.valid_until.isoformat() if span.valid_until else None)
         for span in doc.certifications],
    )


def _select(query: SearchQuery) -> tuple[str, list[object]]:
    """The statement filling the temporary table ``selected``: every match with its score."""
    matches, params = _matches(query_tokens(query.q or ""))
    conditions, filter_params = _filters(query)
    where = " AND ".join(conditions) or "1"
    sql = f"""CREATE TEMP TABLE selected AS
              SELECT product_id, county_code, min_price_fen, published_ms, score
              FROM documents JOIN ({matches}) USING (product_id) WHERE {where}"""
    return sql, [*params, *filter_params]


def _matches(tokens: list[str]) -> tuple[str, list[object]]:
    """The documents holding every token, each scored by the weights of the fields holding them.

    No token (no query, or nothing searchable in it): every document, all scored 0.
    """
    if not tokens:
        return "SELECT product_id, 0 AS score FROM documents", []
    weights = ", ".join("(?, ?)" for _ in FIELD_WEIGHTS)
    terms = ", ".join("?" for _ in tokens)
    sql = f"""WITH weights (col, weight) AS (VALUES {weights}),
              hits AS (SELECT DISTINCT doc, col, term FROM document_terms WHERE term IN ({terms}))
              SELECT doc AS product_id, SUM(weight) AS score FROM hits JOIN weights USING (col)
              GROUP BY doc HAVING COUNT(DISTINCT term) = ?"""
    weight_params = [value for item in FIELD_WEIGHTS.items() for value in item]
    return sql, [*weight_params, *tokens, len(tokens)]


def _filters(query: SearchQuery) -> tuple[list[str], list[object]]:
    conditions: list[str] = []
    params: list[object] = []

    def add(condition: str, *values: object) -> None:
        conditions.append(condition)
        params.extend(values)

    if query.category is not None:
        add("product_id IN (SELECT product_id FROM document_categories WHERE slug = ?)",
            query.category)
    if query.county is not None:
        add("county_code = ?", query.county)
    if query.certification is not None:
        today = query.today.isoformat()
        add(f"""product_id IN (SELECT product_id FROM document_certifications
                               WHERE kind = ? AND {_VALID_ON})""",
            query.certification, today, today)
    if query.min_price_fen is not None:
        add("min_price_fen >= ?", query.min_price_fen)
    if query.max_price_fen is not None:
        add("min_price_fen <= ?", query.max_price_fen)
    if query.in_stock is not None:
        add("in_stock = ?", query.in_stock)
    return conditions, params
