-- The sample corpus as a PostgreSQL schema (written by samples/generate_corpus.py; do not edit).
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
