"""keifu's ontology folder, installed as the package data keifu.ontology (read through keifu.resources)."""
