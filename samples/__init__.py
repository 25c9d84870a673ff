"""keifu's samples folder, installed as the package data keifu.samples (read through keifu.resources)."""
