"""SQLite storage through sqlite-utils: schema, migrations, typed queries and the outbox."""
