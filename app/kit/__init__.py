"""Pieces every feature package shares: database base, schemas, pagination, errors, text."""
