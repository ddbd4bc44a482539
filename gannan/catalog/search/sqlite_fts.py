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
* ``documents``: one row per product with what filters, facets and sorts read: its
  facet group, price, stock, publication time, rating (no secondary index: the search
  reads the table whole into columns, see below, and indexes would only slow writes);
* ``facet_groups``: each (county, category leaf, certificate spans as one canonical
  string) once;
* ``category_lineage``: each category's slugs from the root (a handful of rows);

* ``index_state``: one number that every write transaction changes (the generation).

A search runs in one read transaction.  Each process keeps the ``documents`` rows of the
file's current generation as numpy columns (:class:`_Snapshot`: price, stock,
publication, rating, facet group; each sort order's rank of every document; the facet
groups as lookup tables), read again when the generation has changed:

1. the matches: FTS5 ``MATCH`` of every query term, its rowids returned as one string
   (``group_concat``) that numpy parses, so no Python object is built per match; by
   relevance, one column-restricted ``MATCH`` per term and field instead (each term in
   that field and every other term anywhere), whose union is the matches and whose
   weights add up to each match's score.  A process keeps the match sets of the
   current generation (bounded, least recently used dropped), so a popular term is read
   from the file once per write;
2. filters, count and facets on the columns: the county, category and certification
   filters are one lookup per facet group, the count a ``bincount`` of the groups;
3. the page: the ``offset + page_size`` smallest ranks (or score keys) among the
   matches, by a partition, then sorted.

No statement is run per facet value, and nothing sorts every match.

Each operation opens its own connection and runs in one transaction; the file is in
WAL mode, so a Flask dev server and inline tasks can read while another writes.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Final

import numpy as np

from gannan.catalog.search.analysis import FIELD_WEIGHTS, epoch_millis, field_tokens, query_tokens
from gannan.catalog.search.base import SearchDocument, SearchQuery, SearchResult

FTS_TOKENIZER: Final = "ascii"
_FIELDS = tuple(FIELD_WEIGHTS)
# The layout's version, kept in user_version: a file of another layout is rebuilt empty
# (the database is the source of truth; `flask search reindex` fills it again).
LAYOUT_VERSION: Final = 6

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
    # Each (county, category, certificate spans) once: documents group by a small integer.
    """CREATE TABLE IF NOT EXISTS facet_groups (
        id INTEGER PRIMARY KEY,
        county_code TEXT NOT NULL,
        category TEXT NOT NULL,
        certifications TEXT NOT NULL,
        UNIQUE (county_code, category, certifications)
    )""",
    """CREATE TABLE IF NOT EXISTS category_lineage (
        slug TEXT PRIMARY KEY,
        lineage TEXT NOT NULL
    ) WITHOUT ROWID""",
    # One row: a number every write transaction changes, so that a process's columns of
    # the documents (see _Snapshot) know when to be read again.
    "CREATE TABLE IF NOT EXISTS index_state (generation INTEGER NOT NULL)",
    "INSERT INTO index_state SELECT abs(random()) WHERE NOT EXISTS (SELECT 1 FROM index_state)",
)
_TABLES = ("document_text", "documents", "facet_groups", "category_lineage", "index_state")
# Each table holding product rows, with the column holding the product id.
_KEYS = {"document_text": "rowid", "documents": "product_id"}

class SqliteSearchBackend:
    """The :class:`~.base.SearchBackend` on an SQLite file of its own at ``path``."""

    name = "sqlite"

    def __init__(self, path: str) -> None:
        self.path = path
        self._columns: _Snapshot | None = None

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
            snapshot = self._snapshot(conn)
            scores = None
            if not terms:
                positions = np.arange(len(snapshot.ids), dtype=np.int64)
            elif query.sort == "relevance" and len(terms) == 1:
                # One term: the matches are the union of the per-field sets scoring needs.
                scores = _dense_scores(snapshot, _field_sets(conn, snapshot, terms))
                positions = np.flatnonzero(scores)
            else:
                positions = _positions(conn, snapshot, " AND ".join(map(_phrase, terms)))
            positions = _filtered(snapshot, positions, query)
            counts = np.bincount(snapshot.group[positions], minlength=len(snapshot.group_rows))
            total = len(positions)
            offset = (query.page - 1) * query.page_size
            ids: list[int] = []
            if offset < total:
                if query.sort == "relevance" and terms:
                    if scores is None:
                        scores = _dense_scores(snapshot, _field_sets(conn, snapshot, terms))
                    scores = scores[positions]
                    best = int(scores.max())
                    keys = ((best - scores) << _ID_BITS) | (_ID_MASK - snapshot.ids[positions])
                else:
                    order = "id_desc" if query.sort == "relevance" else query.sort
                    keys = snapshot.rank[order][positions]
                ids = snapshot.ids[_page(keys, positions, offset, query.page_size)].tolist()
        return SearchResult(ids=ids, total=total, facets=snapshot.facets(counts, today))

    def _snapshot(self, conn: sqlite3.Connection) -> _Snapshot:
        """The columns of the file's current generation (read again after any write)."""
        generation = conn.execute("SELECT generation FROM index_state").fetchone()[0]
        snapshot = self._columns
        if snapshot is None or snapshot.generation != generation:
            snapshot = self._columns = _Snapshot(conn, generation)
        return snapshot

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
                if write:
                    conn.execute("UPDATE index_state SET generation = abs(random())")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")


def _create(conn: sqlite3.Connection) -> None:
    for statement in _SCHEMA:
        conn.execute(statement)
    conn.execute(f"PRAGMA user_version = {LAYOUT_VERSION}")


def _drop(conn: sqlite3.Connection) -> None:
    # The fts5vocab view of the first layout reads document_text: drop it first (and the
    # tables of earlier layouts after the current ones).
    for table in ("document_terms", *_TABLES, "document_categories", "document_certifications"):
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


# Bounds of each process's cache of match sets: sets, and positions in all (8 bytes each:
# 32 MiB at most; a broad term's three field sets at 100,000 products are ~0.6 MiB).
MATCH_CACHE_SETS: Final = 256
MATCH_CACHE_POSITIONS: Final = 4_000_000
# The bits a product id takes in a sort key (below it: how the rows order).
_ID_BITS: Final = 32
_ID_MASK: Final = (1 << _ID_BITS) - 1


class _Snapshot:
    """The ``documents`` rows of one generation of the file as columns (numpy arrays in
    product id order) and the facet groups as lookup tables.

    Filters, the count, the facets and every sort but relevance read these, so a
    search costs one FTS5 statement that returns the matching rowids (as one string,
    which turns into an array without building a Python object per match) instead of a
    join, a grouping and a sort of every match in SQL.  Each order's rank of every
    document is computed once per generation, so a page is the ``k`` smallest ranks
    among the matches (a partition, no full sort).
    """

    def __init__(self, conn: sqlite3.Connection, generation: int) -> None:
        self.generation = generation
        # Each column as one comma-separated string, parsed by numpy: no Python object per
        # row (a fetchall of 100,000 rows took three times as long).  NULL rating: NaN.
        columns = conn.execute("""
            SELECT group_concat(product_id), group_concat(facet_group),
                   group_concat(min_price_fen), group_concat(in_stock),
                   group_concat(published_ms), group_concat(ifnull(rating, 'nan')),
                   group_concat(rating_count)
            FROM (SELECT * FROM documents ORDER BY product_id)""").fetchone()

        def column(i: int, dtype=np.int64) -> np.ndarray:
            text = columns[i]
            return np.fromstring(text, dtype=dtype, sep=",") if text else np.empty(0, dtype)

        self.ids = column(0)
        self.group = column(1)
        self.price = column(2)
        self.in_stock = column(3).astype(bool)
        published = column(4)
        self.rating = column(5, np.float64)
        rating_count = column(6)
        # product id -> position (-1: no document): a gather instead of a binary search
        self.position = np.full(int(self.ids.max()) + 1 if len(self.ids) else 0, -1,
                                dtype=np.int64)
        self.position[self.ids] = np.arange(len(self.ids), dtype=np.int64)
        groups = conn.execute(
            "SELECT id, county_code, category, certifications FROM facet_groups").fetchall()
        size = max((g[0] for g in groups), default=0) + 1
        self.group_rows: list[tuple[str, str, str] | None] = [None] * size
        for group, county, category, spans in groups:
            self.group_rows[group] = (county, category, spans)
        self.lineages = dict(conn.execute("SELECT slug, lineage FROM category_lineage"))
        # For the facets: each group's county (as an index), and each category slug's
        # groups (a category counts the documents of its descendants too).
        self.counties = sorted({row[0] for row in self.group_rows if row})
        county_index = {code: i for i, code in enumerate(self.counties)}
        self.group_county = np.array([county_index[row[0]] if row else 0
                                      for row in self.group_rows], dtype=np.int64)
        members: dict[str, list[int]] = {}
        for group, row in enumerate(self.group_rows):
            if row:
                for slug in self.lineages.get(row[1], row[1]).split():
                    members.setdefault(slug, []).append(group)
        self.category_groups = {slug: np.array(groups, dtype=np.int64)
                                for slug, groups in members.items()}
        self._kind_groups: dict[str, dict[str, np.ndarray]] = {}
        # Ranks: the position of each document in each order, ties by product id descending.
        newest_id = -self.ids
        unrated = np.isnan(self.rating)
        self.rank: dict[str, np.ndarray] = {}
        for sort, keys in {
            "id_desc": (newest_id,),
            "price_asc": (newest_id, self.price),
            "price_desc": (newest_id, -self.price),
            "newest": (newest_id, -published),
            "rating": (newest_id, -rating_count, -np.nan_to_num(self.rating, nan=0.0), unrated),
        }.items():
            order = np.lexsort(keys)
            rank = np.empty(len(order), dtype=np.int64)
            rank[order] = np.arange(len(order), dtype=np.int64)
            self.rank[sort] = rank
        # FTS5 expression -> positions of its matches, least recently used first.
        self.matches: OrderedDict[str, np.ndarray] = OrderedDict()
        self._kept = 0  # positions held in ``matches``
        self.lock = threading.Lock()  # gthread workers share the backend

    def remember(self, expression: str, positions: np.ndarray) -> None:
        """Keep a match set, dropping the least recently used beyond the bounds."""
        with self.lock:
            if expression in self.matches:
                return
            self.matches[expression] = positions
            self._kept += len(positions)
            while len(self.matches) > MATCH_CACHE_SETS or self._kept > MATCH_CACHE_POSITIONS:
                _, dropped = self.matches.popitem(last=False)
                self._kept -= len(dropped)

    def kind_groups(self, today: str) -> dict[str, np.ndarray]:
        """Each certification kind's groups holding a certificate of it valid on ``today``."""
        found = self._kind_groups.get(today)
        if found is None:
            members: dict[str, list[int]] = {}
            for group, row in enumerate(self.group_rows):
                if row:
                    for kind in _valid_kinds(row[2], today):
                        members.setdefault(kind, []).append(group)
            found = {kind: np.array(groups, dtype=np.int64) for kind, groups in members.items()}
            self._kind_groups = {today: found}  # one day at a time
        return found

    def facets(self, counts: np.ndarray, today: str) -> dict[str, dict[str, int]]:
        """The three facets from the number of matches in each group."""
        county = np.bincount(self.group_county, weights=counts, minlength=len(self.counties))

        def nonzero(pairs):
            return {key: int(n) for key, n in pairs if n}

        return {
            "category": nonzero((slug, counts[groups].sum())
                                for slug, groups in self.category_groups.items()),
            "county": nonzero(zip(self.counties, county.tolist())),
            "certification": nonzero((kind, counts[groups].sum())
                                     for kind, groups in self.kind_groups(today).items()),
        }

    def group_filter(self, query: SearchQuery) -> np.ndarray | None:
        """Per facet group, whether its county, category and certificates pass the query."""
        if query.county is None and query.category is None and query.certification is None:
            return None
        today = query.today.isoformat()
        ok = np.zeros(len(self.group_rows), dtype=bool)
        for group, row in enumerate(self.group_rows):
            if row is None:
                continue
            county, leaf, spans = row
            ok[group] = (
                (query.county is None or county == query.county)
                and (query.category is None
                     or query.category in self.lineages.get(leaf, leaf).split())
                and (query.certification is None
                     or query.certification in _valid_kinds(spans, today)))
        return ok


def _positions(conn: sqlite3.Connection, snapshot: _Snapshot, expression: str) -> np.ndarray:
    """Positions in ``snapshot`` of the documents matching the FTS5 ``expression``, ascending.

    Kept per generation (see :class:`_Snapshot`): shoppers type the same few words, and a
    popular term's sets are then read from the file once per write, not once per search.
    """
    with snapshot.lock:
        found = snapshot.matches.get(expression)
        if found is not None:
            snapshot.matches.move_to_end(expression)
            return found
    found = _read_positions(conn, snapshot, expression)
    snapshot.remember(expression, found)
    return found


def _read_positions(conn: sqlite3.Connection, snapshot: _Snapshot,
                    expression: str) -> np.ndarray:
    found = conn.execute("SELECT group_concat(rowid) FROM document_text "
                         "WHERE document_text MATCH ?", (expression,)).fetchone()[0]
    if not found:
        return np.empty(0, dtype=np.int64)
    rowids = np.fromstring(found, dtype=np.int64, sep=",")
    rowids = rowids[rowids < len(snapshot.position)]
    positions = snapshot.position[rowids]
    positions = positions[positions >= 0]
    if len(positions) > 1 and not (positions[1:] > positions[:-1]).all():
        positions.sort()  # FTS5 returns rowids ascending; this is only a safeguard
    return positions


def _filtered(snapshot: _Snapshot, positions: np.ndarray, query: SearchQuery) -> np.ndarray:
    """The documents at ``positions`` (ascending) that pass every filter of ``query``."""
    mask = np.ones(len(positions), dtype=bool)
    groups = snapshot.group_filter(query)
    if groups is not None:
        mask &= groups[snapshot.group[positions]]
    if query.min_price_fen is not None:
        mask &= snapshot.price[positions] >= query.min_price_fen
    if query.max_price_fen is not None:
        mask &= snapshot.price[positions] <= query.max_price_fen
    if query.in_stock is not None:
        mask &= snapshot.in_stock[positions] == query.in_stock
    if query.min_rating is not None:
        with np.errstate(invalid="ignore"):  # NaN (unrated) never passes
            mask &= snapshot.rating[positions] >= query.min_rating
    return positions[mask]


def _field_sets(conn: sqlite3.Connection, snapshot: _Snapshot,
                terms: list[str]) -> list[tuple[int, np.ndarray]]:
    """(weight, positions) of the documents holding each term in each field and every
    other term anywhere: one FTS5 statement per term and field.  Their union is the
    matches, and a match's relevance score is the sum of the weights of the sets holding
    it."""
    sets = []
    for i, term in enumerate(terms):
        others = [_phrase(other) for j, other in enumerate(terms) if j != i]
        for field, weight in FIELD_WEIGHTS.items():
            sets.append((weight, _positions(
                conn, snapshot, " AND ".join([f"{field} : {_phrase(term)}", *others]))))
    return sets


def _dense_scores(snapshot: _Snapshot, sets: list[tuple[int, np.ndarray]]) -> np.ndarray:
    """Every document's relevance score (0: not a match), from the sets of _field_sets."""
    scores = np.zeros(len(snapshot.ids), dtype=np.int64)
    for weight, holding in sets:
        scores[holding] += weight  # a set holds each position once
    return scores


def _page(keys: np.ndarray, positions: np.ndarray, offset: int, size: int) -> list[int]:
    """The positions of the ``offset``-th to ``offset + size``-th smallest keys (unique)."""
    wanted = offset + size
    if wanted < len(keys):
        nearest = np.argpartition(keys, wanted - 1)[:wanted]
    else:
        nearest = np.arange(len(keys))
    chosen = nearest[np.argsort(keys[nearest], kind="stable")][offset:wanted]
    return positions[chosen].tolist()


@lru_cache(maxsize=4096)
def _valid_kinds(spans: str, today: str) -> frozenset[str]:
    """The kinds of the spans (see :func:`_spans_text`) valid on ``today`` (ISO dates)."""
    kinds = set()
    for span in spans.split(";") if spans else ():
        kind, start, end = span.split(" ")
        if start <= today and (not end or today <= end):
            kinds.add(kind)
    return frozenset(kinds)
