"""keifu's shapes folder, installed as the package data keifu.shapes (read through keifu.resources)."""
