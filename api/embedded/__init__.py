"""The embedded store: mongomock as the query engine, the models' indexes in memory, SQLite on disk."""
