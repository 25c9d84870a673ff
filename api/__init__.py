"""Web service: SPARQL 1.1 endpoint, lineage and validation APIs. Imports keifu.graph, never the reverse."""
