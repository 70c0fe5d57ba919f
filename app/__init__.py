"""Communiqué: press releases, official visits, delegations and officials behind a JSON API."""
