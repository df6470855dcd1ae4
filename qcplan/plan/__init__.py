"""The plan's tables: schema, load, validate."""
