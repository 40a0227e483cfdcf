"""Writes the sample corpus in each source's shape, under samples/seed/, from the files in samples/corpus/.

Called by generate_corpus.py after it writes the corpus, so one command regenerates everything. It only reads
the corpus files (no randomness of its own), so every shape holds exactly the same records and links:

  postgres/       01-schema.sql (tables articles, tickets, people, projects, article_links, project_members),
                  02-load.sql (psql \\copy of the CSV files below) and one CSV per table (COPY ... FORMAT csv, HEADER)
  redis/          seed.resp: the cache entries (strings, hashes, lists with their TTLs) and the articles as hashes
                  kb:article:<id>, in the Redis protocol for `redis-cli --pipe` (Redis docs, "Bulk loading")
  mongodb/        one file per collection, a document per line in Extended JSON v2 (what mongoimport reads)
  elasticsearch/  <index>.mapping.json (the body of PUT /<index>) and bulk.ndjson (the body of POST /_bulk)
  neo4j/          seed.cypher for cypher-shell, and graph.json (the same nodes and relationships) for the
                  in-repo Neo4j test server, whose Cypher reads but does not write

How links travel: Neo4j keeps every link with its own weight (relationships). PostgreSQL, MongoDB and
Elasticsearch keep a person's reports_to and mentored_by and a project's depends_on as fields holding the
other record's id (foreign keys, references), which their sources turn into edges; PostgreSQL and
Elasticsearch keep the dependency's own weight beside it (depends_on_weight; people's links have one weight
per type, which the configs give). Article links are many-to-many: MongoDB documents hold them as arrays of
ids per link type (one weight per type in its config), PostgreSQL as rows of the article_links table (an edge
table) and Elasticsearch as an array of objects {to, type, weight} in each article's "links", so both keep
each link's own type and weight.
"""
import csv
import io
import json
from pathlib import Path

LINK_TYPES = ["references", "follows_up", "supersedes", "same_topic"]


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def read_corpus(corpus):
    with open(corpus / "support-tickets.csv", encoding="utf-8", newline="") as f:
        tickets = list(csv.DictReader(f))
    return {
        "articles": read_jsonl(corpus / "kb-articles.jsonl"),
        "article_links": read_jsonl(corpus / "kb-links.jsonl"),
        "tickets": tickets,
        "people": read_jsonl(corpus / "people.jsonl"),
        "people_links": read_jsonl(corpus / "people-links.jsonl"),
        "projects": read_jsonl(corpus / "projects.jsonl"),
        "project_links": read_jsonl(corpus / "project-links.jsonl"),
        "cache": read_jsonl(corpus / "cache-entries.jsonl"),
    }


def single_links(links, link_type):
    """from id -> to id for a link type each record has at most once (reports_to, mentored_by, depends_on)."""
    result = {}
    for link in links:
        if link["type"] == link_type:
            if link["from"] in result:
                raise ValueError(f"{link['from']} has two {link_type} links; the field shapes hold one")
            result[link["from"]] = link["to"]
    return result


def person_fields(c):
    reports, mentors = single_links(c["people_links"], "reports_to"), single_links(c["people_links"], "mentored_by")
    return [dict(p, reports_to=reports.get(p["id"]), mentored_by=mentors.get(p["id"])) for p in c["people"]]


def project_fields(c):
    depends = single_links(c["project_links"], "depends_on")
    return [dict(p, depends_on=depends.get(p["id"])) for p in c["projects"]]


def single_link_weights(links, link_type):
    """from id -> the weight of its one link of this type."""
    return {link["from"]: link["weight"] for link in links if link["type"] == link_type}


def projects_with_weights(c):
    weights = single_link_weights(c["project_links"], "depends_on")
    return [dict(p, depends_on_weight=weights.get(p["id"])) for p in project_fields(c)]


def article_links_by_type(c):
    by_article = {}
    for link in c["article_links"]:
        by_article.setdefault(link["from"], {}).setdefault(link["type"], []).append(link["to"])
    return by_article


def write_text(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


# --- PostgreSQL -------------------------------------------------------------------------------------------

PG_TABLES = {
    # Load order: the foreign keys are DEFERRABLE INITIALLY DEFERRED, so order only matters for readability.
    "people": ["id", "name", "role", "team", "city", "joined_at", "bio", "reports_to", "mentored_by"],
    "projects": ["id", "name", "goal", "status", "lead", "started_at", "summary", "depends_on", "depends_on_weight"],
    "project_members": ["project_id", "person_id"],
    "articles": ["id", "title", "body", "kind", "product", "team", "author", "published_at", "tags", "views",
                 "helpful_ratio", "duplicate_of"],
    "article_links": ["from_id", "to_id", "type", "weight"],
    "tickets": ["ticket_id", "subject", "description", "priority", "opened_at", "customer", "duplicate_of"],
}

PG_SCHEMA = """-- The sample corpus as a PostgreSQL schema (written by samples/generate_corpus.py; do not edit).
-- Tables are unqualified: they land in the first schema of the search_path (public in the compose stack).
-- Foreign keys are checked at commit, so each table can be loaded with COPY in any order.
CREATE TABLE people (
    id          text PRIMARY KEY,
    name        text NOT NULL,
    role        text NOT NULL,
    team        text NOT NULL,
    city        text NOT NULL,
    joined_at   timestamptz NOT NULL,
    bio         text NOT NULL,
    reports_to  text REFERENCES people (id) DEFERRABLE INITIALLY DEFERRED,
    mentored_by text REFERENCES people (id) DEFERRABLE INITIALLY DEFERRED
);

CREATE TABLE projects (
    id         text PRIMARY KEY,
    name       text NOT NULL,
    goal       text NOT NULL,
    status     text NOT NULL,
    lead       text NOT NULL REFERENCES people (id) DEFERRABLE INITIALLY DEFERRED,
    started_at timestamptz NOT NULL,
    summary    text NOT NULL,
    depends_on text REFERENCES projects (id) DEFERRABLE INITIALLY DEFERRED,
    depends_on_weight double precision CHECK (depends_on_weight BETWEEN 0 AND 1)  -- how strongly, when it depends
);

CREATE TABLE project_members (
    project_id text REFERENCES projects (id) DEFERRABLE INITIALLY DEFERRED,
    person_id  text REFERENCES people (id) DEFERRABLE INITIALLY DEFERRED,
    PRIMARY KEY (project_id, person_id)
);

CREATE TABLE articles (
    id            text PRIMARY KEY,
    title         text NOT NULL,
    body          text NOT NULL,
    kind          text NOT NULL,
    product       text NOT NULL,
    team          text NOT NULL,
    author        text NOT NULL,
    published_at  timestamptz NOT NULL,
    tags          text[] NOT NULL,
    views         integer NOT NULL,
    helpful_ratio double precision NOT NULL,
    duplicate_of  text REFERENCES articles (id) DEFERRABLE INITIALLY DEFERRED  -- republished on purpose
);

-- Many-to-many, typed and weighted: the article links of samples/corpus/kb-links.jsonl.
CREATE TABLE article_links (
    from_id text REFERENCES articles (id) DEFERRABLE INITIALLY DEFERRED,
    to_id   text REFERENCES articles (id) DEFERRABLE INITIALLY DEFERRED,
    type    text NOT NULL,
    weight  double precision NOT NULL CHECK (weight BETWEEN 0 AND 1),
    PRIMARY KEY (from_id, to_id, type)
);

CREATE TABLE tickets (
    ticket_id    text PRIMARY KEY,
    subject      text NOT NULL,
    description  text NOT NULL,
    priority     text NOT NULL,
    opened_at    timestamptz NOT NULL,
    customer     text NOT NULL,
    duplicate_of text REFERENCES tickets (ticket_id) DEFERRABLE INITIALLY DEFERRED  -- filed twice on purpose
);
"""


def pg_value(value):
    if value is None or value == "":
        return None  # an unquoted empty CSV field is NULL to COPY
    if isinstance(value, list):
        return "{" + ",".join(value) + "}"  # a text[] literal; the corpus's tags hold no commas, quotes or braces
    return str(value)


def write_postgres(c, out):
    rows = {
        "people": person_fields(c),
        "projects": projects_with_weights(c),
        "project_members": [{"project_id": p["id"], "person_id": m} for p in c["projects"] for m in p["members"]],
        "articles": c["articles"],
        "article_links": [{"from_id": l["from"], "to_id": l["to"], "type": l["type"], "weight": l["weight"]} for l in c["article_links"]],
        "tickets": c["tickets"],
    }
    write_text(out / "01-schema.sql", PG_SCHEMA)
    load = ["\\set ON_ERROR_STOP on", "\\cd :seed_dir", "BEGIN;"]
    for table, columns in PG_TABLES.items():
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        for row in rows[table]:
            writer.writerow(["" if (v := pg_value(row.get(col))) is None else v for col in columns])
        write_text(out / f"{table}.csv", buffer.getvalue())
        load.append(f"\\copy {table} ({', '.join(columns)}) FROM '{table}.csv' WITH (FORMAT csv, HEADER true)")
    load.append("COMMIT;")
    header = ["-- Loads the CSV files next to this script into the tables of 01-schema.sql (written by samples/generate_corpus.py;",
              "-- do not edit). The postgres image runs it from /docker-entrypoint-initdb.d, the default seed_dir; elsewhere:",
              "--   psql -v seed_dir=samples/seed/postgres -f samples/seed/postgres/02-load.sql",
              "\\if :{?seed_dir}", "\\else", "  \\set seed_dir /docker-entrypoint-initdb.d", "\\endif"]
    write_text(out / "02-load.sql", "\n".join(header + load) + "\n")


# --- Redis ------------------------------------------------------------------------------------------------

def resp(*args):
    """One command in the Redis serialization protocol (RESP arrays of bulk strings), as redis-cli --pipe sends."""
    parts = [f"*{len(args)}\r\n"]
    for arg in args:
        data = str(arg).encode("utf-8")
        parts.append(f"${len(data)}\r\n")
        parts.append(data.decode("utf-8") + "\r\n")
    return "".join(parts)


def write_redis(c, out):
    # DEL first, so seeding twice leaves the same keys (RPUSH and HSET alone would append and merge).
    commands = []
    for entry in c["cache"]:
        key, value = entry["key"], entry["value"]
        commands.append(resp("DEL", key))
        if entry["type"] == "string":
            commands.append(resp("SET", key, value))
        elif entry["type"] == "hash":
            commands.append(resp("HSET", key, *[x for field in sorted(value) for x in (field, value[field])]))
        else:
            commands.append(resp("RPUSH", key, *value))
        if entry["ttl_seconds"] > 0:
            commands.append(resp("EXPIRE", key, entry["ttl_seconds"]))
    for a in c["articles"]:
        fields = {"title": a["title"], "body": a["body"], "kind": a["kind"], "product": a["product"], "team": a["team"],
                  "author": a["author"], "published_at": a["published_at"], "tags": ",".join(a["tags"]),
                  "views": a["views"], "helpful_ratio": a["helpful_ratio"]}
        commands.append(resp("DEL", f"kb:article:{a['id']}"))
        commands.append(resp("HSET", f"kb:article:{a['id']}", *[x for k, v in fields.items() for x in (k, v)]))
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "seed.resp", "w", encoding="utf-8", newline="") as f:
        f.write("".join(commands))


# --- MongoDB and Elasticsearch documents ------------------------------------------------------------------

def documents(c, date):
    """The four collections as documents; date(text) wraps a timestamp as the target's date form."""
    links = article_links_by_type(c)
    articles = []
    for a in c["articles"]:
        doc = {k: v for k, v in a.items() if k != "published_at"}
        doc["published_at"] = date(a["published_at"])
        if a["id"] in links:
            doc["links"] = {t: links[a["id"]][t] for t in LINK_TYPES if t in links[a["id"]]}
        articles.append(doc)
    tickets = []
    for t in c["tickets"]:
        doc = {k: v for k, v in t.items() if k not in ("opened_at", "duplicate_of")}
        doc["opened_at"] = date(t["opened_at"])
        if t["duplicate_of"]:
            doc["duplicate_of"] = t["duplicate_of"]
        tickets.append(doc)

    def dated(rows, field):
        return [{k: (date(v) if k == field else v) for k, v in row.items() if v is not None} for row in rows]

    return {"articles": articles, "tickets": tickets, "people": dated(person_fields(c), "joined_at"),
            "projects": dated(project_fields(c), "started_at")}


def write_mongodb(c, out):
    keys = {"articles": "id", "tickets": "ticket_id", "people": "id", "projects": "id"}
    for name, docs in documents(c, lambda text: {"$date": text}).items():
        lines = []
        for doc in docs:
            ordered = {"_id": doc[keys[name]]}
            ordered.update((k, v) for k, v in doc.items() if k != keys[name])
            lines.append(json.dumps(ordered, ensure_ascii=False))
        write_text(out / f"{name}.json", "\n".join(lines) + "\n")


ES_MAPPINGS = {
    # Explicit mappings: ids are keywords (sortable, the sort field of a resumable read), texts are text.
    "articles": {"id": "keyword", "title": "text", "body": "text", "kind": "keyword", "product": "keyword",
                 "team": "keyword", "author": "text", "published_at": "date", "tags": "keyword", "views": "long",
                 "helpful_ratio": "float", "duplicate_of": "keyword",
                 "links": {"to": "keyword", "type": "keyword", "weight": "float"}},
    "tickets": {"ticket_id": "keyword", "subject": "text", "description": "text", "priority": "keyword",
                "opened_at": "date", "customer": "keyword", "duplicate_of": "keyword"},
    "people": {"id": "keyword", "name": "text", "role": "keyword", "team": "keyword", "city": "keyword",
               "joined_at": "date", "bio": "text", "reports_to": "keyword", "mentored_by": "keyword"},
    "projects": {"id": "keyword", "name": "text", "goal": "text", "status": "keyword", "lead": "keyword",
                 "members": "keyword", "started_at": "date", "summary": "text", "depends_on": "keyword",
                 "depends_on_weight": "float"},
}


def es_properties(fields):
    return {name: ({"properties": es_properties(kind)} if isinstance(kind, dict) else {"type": kind})
            for name, kind in fields.items()}


def write_elasticsearch(c, out):
    keys = {"articles": "id", "tickets": "ticket_id", "people": "id", "projects": "id"}
    lines = []
    docs_by_index = documents(c, lambda text: text)
    # Each article's links as objects with their own type and weight (corpus order); each dependency with its weight.
    links = {}
    for link in c["article_links"]:
        links.setdefault(link["from"], []).append({"to": link["to"], "type": link["type"], "weight": link["weight"]})
    for doc in docs_by_index["articles"]:
        doc.pop("links", None)
        if doc["id"] in links:
            doc["links"] = links[doc["id"]]
    weights = single_link_weights(c["project_links"], "depends_on")
    for doc in docs_by_index["projects"]:
        if doc["id"] in weights:
            doc["depends_on_weight"] = weights[doc["id"]]
    for name, docs in docs_by_index.items():
        write_text(out / f"{name}.mapping.json",
                   json.dumps({"mappings": {"properties": es_properties(ES_MAPPINGS[name])}}, indent=2) + "\n")
        for doc in docs:
            lines.append(json.dumps({"index": {"_index": name, "_id": doc[keys[name]]}}))
            lines.append(json.dumps(doc, ensure_ascii=False))
    write_text(out / "bulk.ndjson", "\n".join(lines) + "\n")


# --- Neo4j ------------------------------------------------------------------------------------------------

NEO4J_LABELS = {"articles": "Article", "tickets": "Ticket", "people": "Person", "projects": "Project"}
NEO4J_TIMES = {"articles": "published_at", "tickets": "opened_at", "people": "joined_at", "projects": "started_at"}


def graph(c):
    nodes = []
    rows = {"articles": c["articles"], "people": c["people"], "projects": c["projects"],
            "tickets": [dict({k: v for k, v in t.items() if k != "ticket_id"}, id=t["ticket_id"]) for t in c["tickets"]]}
    for name in ["articles", "tickets", "people", "projects"]:
        for row in rows[name]:
            props = {k: v for k, v in row.items() if v not in (None, "")}
            props[NEO4J_TIMES[name]] = {"$datetime": row[NEO4J_TIMES[name]]}
            nodes.append({"label": NEO4J_LABELS[name], "properties": props})
    relationships = [{"type": l["type"].upper(), "from": l["from"], "to": l["to"], "properties": {"weight": l["weight"]}}
                     for l in c["article_links"] + c["people_links"] + c["project_links"]]
    return {"nodes": nodes, "relationships": relationships}


def cypher_value(value):
    if isinstance(value, dict) and "$datetime" in value:
        return f"datetime({cypher_value(value['$datetime'])})"
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if isinstance(value, list):
        return "[" + ", ".join(cypher_value(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)


def cypher_map(props):
    return "{" + ", ".join(f"`{k}`: {cypher_value(v)}" for k, v in props.items()) + "}"


def write_neo4j(c, out):
    g = graph(c)
    write_text(out / "graph.json", json.dumps(g, ensure_ascii=False, indent=None, separators=(",", ":")) + "\n")
    label_of = {n["properties"]["id"]: n["label"] for n in g["nodes"]}
    script = ["// The sample corpus as a graph (written by samples/generate_corpus.py; do not edit).",
              "// cypher-shell -u neo4j -p \"$NEO4J_PASSWORD\" -f seed.cypher"]
    for label in NEO4J_LABELS.values():
        script.append(f"CREATE CONSTRAINT {label.lower()}_id IF NOT EXISTS FOR (n:{label}) REQUIRE n.id IS UNIQUE;")
    # Batches of UNWIND over literal lists: one transaction per statement, each well under the server's limits.
    # MERGE on the unique id (and on the pair and type for links), so seeding twice changes nothing.
    for label in NEO4J_LABELS.values():
        batch = [n["properties"] for n in g["nodes"] if n["label"] == label]
        for i in range(0, len(batch), 200):
            rows = ",\n  ".join(cypher_map(p) for p in batch[i:i + 200])
            script.append(f"UNWIND [\n  {rows}\n] AS row\nMERGE (n:{label} {{id: row.id}}) SET n = row;")
    by_pair = {}
    for r in g["relationships"]:
        by_pair.setdefault((label_of[r["from"]], r["type"], label_of[r["to"]]), []).append(r)
    for (start, rel_type, end), rels in by_pair.items():
        for i in range(0, len(rels), 500):
            rows = ",\n  ".join(cypher_map({"from": r["from"], "to": r["to"], "weight": r["properties"]["weight"]}) for r in rels[i:i + 500])
            script.append(f"UNWIND [\n  {rows}\n] AS row\nMATCH (a:{start} {{id: row.from}}), (b:{end} {{id: row.to}})\n"
                          f"MERGE (a)-[r:{rel_type}]->(b) SET r.weight = row.weight;")
    write_text(out / "seed.cypher", "\n".join(script) + "\n")


def write_all(corpus, seed):
    c = read_corpus(corpus)
    write_postgres(c, seed / "postgres")
    write_redis(c, seed / "redis")
    write_mongodb(c, seed / "mongodb")
    write_elasticsearch(c, seed / "elasticsearch")
    write_neo4j(c, seed / "neo4j")
