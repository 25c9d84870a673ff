"""Graph: extracted records to RDF, validated, stored. Imports keifu.extract, never keifu.api."""
