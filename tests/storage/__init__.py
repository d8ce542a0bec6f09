"""Tests of storage/: schema, migrations, queries, outbox, backups, the Store."""
