"""keifu (系譜): a knowledge graph of Japanese public policy, traced to the line."""

from pathlib import Path

__version__ = "0.1.0"

#: Folder holding ontology/, shapes/ and queries/ (the repository root in a checkout).
ROOT = Path(__file__).resolve().parent.parent
