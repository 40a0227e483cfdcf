-- Loads the CSV files next to this script into the tables of 01-schema.sql (written by samples/generate_corpus.py;
-- do not edit). The postgres image runs it from /docker-entrypoint-initdb.d, the default seed_dir; elsewhere:
--   psql -v seed_dir=samples/seed/postgres -f samples/seed/postgres/02-load.sql
\if :{?seed_dir}
\else
  \set seed_dir /docker-entrypoint-initdb.d
\endif
\set ON_ERROR_STOP on
\cd :seed_dir
BEGIN;
\copy people (id, name, role, team, city, joined_at, bio, reports_to, mentored_by) FROM 'people.csv' WITH (FORMAT csv, HEADER true)
\copy projects (id, name, goal, status, lead, started_at, summary, depends_on, depends_on_weight) FROM 'projects.csv' WITH (FORMAT csv, HEADER true)
\copy project_members (project_id, person_id) FROM 'project_members.csv' WITH (FORMAT csv, HEADER true)
\copy articles (id, title, body, kind, product, team, author, published_at, tags, views, helpful_ratio, duplicate_of) FROM 'articles.csv' WITH (FORMAT csv, HEADER true)
\copy article_links (from_id, to_id, type, weight) FROM 'article_links.csv' WITH (FORMAT csv, HEADER true)
\copy tickets (ticket_id, subject, description, priority, opened_at, customer, duplicate_of) FROM 'tickets.csv' WITH (FORMAT csv, HEADER true)
COMMIT;
