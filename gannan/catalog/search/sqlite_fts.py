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
  its rowid is the product id;
* ``documents``: one row per product with what filters, facets and sorts read: county,
  category (the leaf), the certificate spans as one canonical string, price, stock,
  publication time; indexed in facet order (county, category, certificates) and in
  each sort order;
* ``category_lineage``: each category's slugs from the root (a handful of rows);
* ``document_certifications``: one row per certificate span, for the certification filter.

A search is two statements in one read transaction, whatever the number of matches:

1. count and facets in one pass: the matches (FTS5 ``MATCH`` of every query term,
   joined to ``documents`` by rowid, the filters applied in the same statement) grouped
   by (county, category, certificates); Python adds the groups up into the total and
   the three facets (a category counts for its ancestors too; a certificate string is
   read once for the day asked);
2. the page: the same matches in the order asked.  A relevance score is the sum, over
   query terms and fields, of the field's weight when the term is in it: one
   column-restricted ``MATCH`` per term and field, itself restricted to the matches, so
   each is evaluated once and only over the documents that match at all.  Without query
   terms every score is 0 and an index gives the order.

No match is copied into a table, and no statement is run per facet value.

Each operation opens its own connection and runs in one transaction; the file is in
WAL mode, so a Flask dev server and inline tasks can read while another writes.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Final

from gannan.catalog.search.analysis import FIELD_WEIGHTS, epoch_millis, field_tokens, query_tokens
from gannan.catalog.search.base import SearchDocument, SearchQuery, SearchResult, Sort

FTS_TOKENIZER: Final = "ascii"
_FIELDS = tuple(FIELD_WEIGHTS)
# The layout's version, kept in user_version: a file of another layout is rebuilt empty
# (the database is the source of truth; `flask search reindex` fills it again).
LAYOUT_VERSION: Final = 4

_SCHEMA = (
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS document_text
        USING fts5({", ".join(_FIELDS)}, tokenize = '{FTS_TOKENIZER}', detail = column,
                   columnsize = 0)""",
    """CREATE TABLE IF NOT EXISTS documents (
        product_id INTEGER PRIMARY KEY,
        facet_group INTEGER NOT NULL,
        county_code TEXT NOT NULL,
        category TEXT NOT NULL,
        seller_id INTEGER NOT NULL,
        min_price_fen INTEGER NOT NULL,
        in_stock INTEGER NOT NULL,
        published_ms INTEGER NOT NULL,
        rating REAL,
        rating_count INTEGER NOT NULL
    )""",
    # Facet order, covering the filters: the no-query searches group without sorting.
    """CREATE INDEX IF NOT EXISTS documents_facets
        ON documents (facet_group, county_code, category, min_price_fen, in_stock)""",
    # Each (county, category, certificate spans) once: documents group by a small integer.
    """CREATE TABLE IF NOT EXISTS facet_groups (
        id INTEGER PRIMARY KEY,
        county_code TEXT NOT NULL,
        category TEXT NOT NULL,
        certifications TEXT NOT NULL,
        UNIQUE (county_code, category, certifications)
    )""",
    "CREATE INDEX IF NOT EXISTS documents_price ON documents (min_price_fen, product_id DESC)",
    "CREATE INDEX IF NOT EXISTS documents_published ON documents (published_ms)",
    "CREATE INDEX IF NOT EXISTS documents_rating ON documents (rating, rating_count, product_id)",
    """CREATE TABLE IF NOT EXISTS category_lineage (
        slug TEXT PRIMARY KEY,
        lineage TEXT NOT NULL
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS document_certifications (
        product_id INTEGER NOT NULL,
        kind TEXT NOT NULL,
        valid_from TEXT NOT NULL,
        valid_until TEXT
    )""",
    """CREATE INDEX IF NOT EXISTS document_certifications_product
        ON document_certifications (product_id)""",
    """CREATE INDEX IF NOT EXISTS document_certifications_kind
        ON document_certifications (kind, valid_from)""",
)
_TABLES = ("document_text", "documents", "facet_groups", "category_lineage",
           "document_certifications")
# Each table holding product rows, with the column holding the product id.
_KEYS = {"document_text": "rowid", "documents": "product_id",
         "document_certifications": "product_id"}

# A certificate is valid on a day inside [valid_from, valid_until]; no end: open.
_VALID_ON = "valid_from <= ? AND (valid_until IS NULL OR valid_until >= ?)"

_ORDER: Final[dict[Sort, str]] = {
    "relevance": "score DESC, d.product_id DESC",
    "price_asc": "d.min_price_fen ASC, d.product_id DESC",
    "price_desc": "d.min_price_fen DESC, d.product_id DESC",
    "newest": "d.published_ms DESC, d.product_id DESC",
    # NULL (unrated) is below every number: last when descending, as in Elasticsearch.
    "rating": "d.rating DESC, d.rating_count DESC, d.product_id DESC",
}
# CROSS JOIN keeps FTS5 the outer loop: probing it once per row of a filter is far slower.
_MATCHED = "document_text CROSS JOIN documents AS d ON d.product_id = document_text.rowid"


class SqliteSearchBackend:
    """The :class:`~.base.SearchBackend` on an SQLite file of its own at ``path``."""

    name = "sqlite"

    def __init__(self, path: str) -> None:
        self.path = path

    def ensure_index(self) -> None:
        self._prepare_file()
        with self._transaction(write=True) as conn:
            if conn.execute("PRAGMA user_version").fetchone()[0] != LAYOUT_VERSION:
                _drop(conn)
            _create(conn)

    def reset(self) -> None:
        self._prepare_file()
        with self._transaction(write=True) as conn:
            _drop(conn)
            _create(conn)

    def upsert(self, docs: Sequence[SearchDocument]) -> None:
        latest = {doc.product_id: doc for doc in docs}  # the last version of each wins
        if not latest:
            return
        rows = [_rows(doc) for doc in latest.values()]
        columns = ", ".join(_FIELDS)
        with self._transaction(write=True) as conn:
            _delete(conn, list(latest))
            conn.executemany(
                f"INSERT INTO document_text (rowid, {columns}) VALUES (?{', ?' * len(_FIELDS)})",
                [row[0] for row in rows])
            conn.executemany("""INSERT OR IGNORE INTO facet_groups
                                (county_code, category, certifications) VALUES (?, ?, ?)""",
                             {row[1][1:4] for row in rows})
            groups = {tuple(key): group for group, *key in conn.execute(
                "SELECT id, county_code, category, certifications FROM facet_groups")}
            conn.executemany(
                "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(product_id, groups[(county, category, spans)], county, category, *rest)
                 for product_id, county, category, spans, *rest in (row[1] for row in rows)])
            conn.executemany("INSERT OR REPLACE INTO category_lineage VALUES (?, ?)",
                             {row[2] for row in rows})
            conn.executemany("INSERT INTO document_certifications VALUES (?, ?, ?, ?)",
                             [span for row in rows for span in row[3]])

    def delete(self, product_ids: Sequence[int]) -> None:
        if not product_ids:
            return
        with self._transaction(write=True) as conn:
            _delete(conn, product_ids)

    def refresh(self) -> None:
        """Nothing to do: a write is visible to search once its transaction commits."""

    def search(self, query: SearchQuery) -> SearchResult:
        terms = query_tokens(query.q or "")
        today = query.today.isoformat()
        with self._transaction(write=False) as conn:
            lineages = dict(conn.execute("SELECT slug, lineage FROM category_lineage"))
            source, params = _matches(terms, query, lineages, for_facets=True)
            groups = conn.execute(
                f"""SELECT g.county_code, g.category, g.certifications, c.n
                    FROM (SELECT d.facet_group AS facet_group, COUNT(*) AS n
                          FROM {source} GROUP BY 1) AS c
                    JOIN facet_groups AS g ON g.id = c.facet_group""", params).fetchall()
            source, params = _matches(terms, query, lineages)
            total = sum(count for *_, count in groups)
            ids: list[int] = []
            offset = (query.page - 1) * query.page_size
            if offset < total and len(terms) == 1 and query.sort == "relevance":
                ids = _page_by_score_class(conn, terms[0], query, lineages, offset)
            elif offset < total:
                score, score_params = _score(terms)
                order = _ORDER[query.sort] if terms or query.sort != "relevance" \
                    else "d.product_id DESC"  # every score is 0
                page = conn.execute(
                    f"""SELECT d.product_id, {score} AS score FROM {source}
                        ORDER BY {order} LIMIT ? OFFSET ?""",
                    [*score_params, *params, query.page_size, offset])
                ids = [product_id for product_id, _ in page]
        return SearchResult(ids=ids, total=total, facets=_facets(groups, lineages, today))

    def _prepare_file(self) -> None:
        """Create the folder, and put the file in WAL mode (a lasting property of the file)."""
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as conn:
            conn.execute("PRAGMA journal_mode = WAL")

    def _connect(self) -> sqlite3.Connection:
        # Autocommit mode: transactions are begun explicitly by _transaction.
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        # WAL with synchronous=NORMAL cannot corrupt the file; a power cut may lose the
        # last writes, which `flask search reindex` restores.  FULL made every chunk of a
        # reindex wait for an fsync.
        conn.execute("PRAGMA synchronous = NORMAL")
        return conn

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
    conn.execute(f"PRAGMA user_version = {LAYOUT_VERSION}")


def _drop(conn: sqlite3.Connection) -> None:
    # The fts5vocab view of the first layout reads document_text: drop it first.
    for table in ("document_terms", *_TABLES, "document_categories"):
        conn.execute(f"DROP TABLE IF EXISTS {table}")


def _delete(conn: sqlite3.Connection, product_ids: Sequence[int]) -> None:
    rows = [(product_id,) for product_id in product_ids]
    for table, key in _KEYS.items():
        conn.executemany(f"DELETE FROM {table} WHERE {key} = ?", rows)


def _rows(doc: SearchDocument):
    """What one document writes: its text row, its documents row, its category's lineage
    and its certificate spans."""
    tokens = field_tokens(doc)
    spans = [(doc.product_id, span.kind, span.valid_from.isoformat(),
              span.valid_until.isoformat() if span.valid_until else None)
             for span in doc.certifications]
    return (
        (doc.product_id, *(tokens[field] for field in _FIELDS)),
        (doc.product_id, doc.county_code, doc.category_slugs[-1], _spans_text(spans),
         doc.seller_id, doc.min_price_fen, doc.in_stock, epoch_millis(doc.published_at),
         doc.rating, doc.rating_count),
        (doc.category_slugs[-1], " ".join(doc.category_slugs)),
        spans,
    )


def _spans_text(spans: list[tuple[int, str, str, str | None]]) -> str:
    """The certificate spans as one canonical string (documents with the same spans share
    a facet group): ``kind from until`` joined by ``;``, sorted; an open end is empty."""
    return ";".join(sorted(f"{kind} {start} {end or ''}" for _, kind, start, end in spans))


def _phrase(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def _matches(terms: list[str], query: SearchQuery, lineages: dict[str, str],
             for_facets: bool = False) -> tuple[str, list[object]]:
    """FROM and WHERE of the matching documents (aliased ``d``), with their parameters.

    No term (no query, or nothing searchable in it): every document.
    """
    conditions: list[str] = []
    params: list[object] = []
    # Without terms, the facet pass reads the facet-ordered index: it covers every filter
    # column and hands the rows over already grouped, so no temporary B-tree sorts them.
    # (Not with a certification filter: its few valid products are the better driver.)
    scan = for_facets and query.certification is None
    source = "documents AS d INDEXED BY documents_facets" if scan else "documents AS d"
    if terms:
        source = _MATCHED
        conditions.append("document_text MATCH ?")
        params.append(" AND ".join(_phrase(term) for term in terms))

    def add(condition: str, *values: object) -> None:
        conditions.append(condition)
        params.extend(values)

    if query.category is not None:
        leaves = [slug for slug, lineage in lineages.items() if query.category in lineage.split()]
        add(f"d.category IN ({', '.join('?' for _ in leaves) or 'NULL'})", *leaves)
    if query.county is not None:
        add("d.county_code = ?", query.county)
    if query.certification is not None:
        today = query.today.isoformat()
        add(f"""d.product_id IN (SELECT product_id FROM document_certifications
                                 WHERE kind = ? AND {_VALID_ON})""",
            query.certification, today, today)
    if query.min_price_fen is not None:
        add("d.min_price_fen >= ?", query.min_price_fen)
    if query.max_price_fen is not None:
        add("d.min_price_fen <= ?", query.max_price_fen)
    if query.in_stock is not None:
        add("d.in_stock = ?", query.in_stock)
    if query.min_rating is not None:
        add("d.rating >= ?", query.min_rating)
    return f"{source} WHERE {' AND '.join(conditions) or '1'}", params


def _score_classes(term: str) -> list[tuple[int, str]]:
    """(score, FTS5 expression) of the documents whose fields hold ``term`` in exactly
    one combination of fields, best first: title + brand + body (15), title + brand (14),
    ... body alone (1).  Every matching document is in exactly one class."""
    classes = []
    for mask in range(1 << len(_FIELDS)):
        held = [field for i, field in enumerate(_FIELDS) if mask >> i & 1]
        if not held:
            continue
        others = [field for field in _FIELDS if field not in held]
        expression = "(" + " AND ".join(f"{field} : {_phrase(term)}" for field in held) + ")"
        if others:
            expression += f" NOT {{{' '.join(others)}}} : {_phrase(term)}"
        classes.append((sum(FIELD_WEIGHTS[field] for field in held), expression))
    return sorted(classes, key=lambda c: -c[0])


def _page_by_score_class(conn: sqlite3.Connection, term: str, query: SearchQuery,
                         lineages: dict[str, str], offset: int) -> list[int]:
    """A page of a one-term query by relevance without scoring every match.

    Within a score class the order is by product id, descending, which FTS5 walks
    without sorting: the page is among the first ``offset + page_size`` of each class,
    so each class stops there and only those few rows are sorted.
    """
    wanted = offset + query.page_size
    branches, params = [], []
    for score, expression in _score_classes(term):
        source, where = _matches([term], query, lineages)
        where[where.index(_phrase(term))] = expression
        branches.append(f"""SELECT * FROM (SELECT d.product_id, {score} AS score FROM {source}
                                            ORDER BY document_text.rowid DESC LIMIT {wanted})""")
        params += where
    rows = conn.execute(
        " UNION ALL ".join(branches) + " ORDER BY score DESC, product_id DESC LIMIT ? OFFSET ?",
        [*params, query.page_size, offset])
    return [product_id for product_id, _ in rows]


def _score(terms: list[str]) -> tuple[str, list[object]]:
    """The relevance score of a matching document, and its parameters.

    For each term and field, the documents holding the term in that field *and* every
    other term anywhere: a subset of the matches, evaluated once by FTS5.
    """
    if not terms:
        return "0", []
    parts, params = [], []
    for i, term in enumerate(terms):
        others = [_phrase(other) for j, other in enumerate(terms) if j != i]
        for field, weight in FIELD_WEIGHTS.items():
            parts.append(f"{weight} * (d.product_id IN (SELECT rowid FROM document_text "
                         f"WHERE document_text MATCH ?))")
            params.append(" AND ".join([f"{field} : {_phrase(term)}", *others]))
    return " + ".join(parts), params


def _facets(groups, lineages: dict[str, str], today: str) -> dict[str, dict[str, int]]:
    """Add the (county, category, certificates, count) groups up into the three facets."""
    county: Counter[str] = Counter()
    category: Counter[str] = Counter()
    certification: Counter[str] = Counter()
    for county_code, leaf, spans, count in groups:
        county[county_code] += count
        for slug in lineages.get(leaf, leaf).split():
            category[slug] += count
        for kind in _valid_kinds(spans, today):
            certification[kind] += count
    return {"category": dict(category), "county": dict(county),
            "certification": dict(certification)}


@lru_cache(maxsize=4096)
def _valid_kinds(spans: str, today: str) -> frozenset[str]:
    """The kinds of the spans (see :func:`_spans_text`) valid on ``today`` (ISO dates)."""
    kinds = set()
    for span in spans.split(";") if spans else ():
        kind, start, end = span.split(" ")
        if start <= today and (not end or today <= end):
            kinds.add(kind)
    return frozenset(kinds)
