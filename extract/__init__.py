"""Extraction: documents in, typed records with provenance out. Never imports keifu.graph or keifu.api."""
