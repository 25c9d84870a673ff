"""keifu's queries folder, installed as the package data keifu.queries (read through keifu.resources)."""
