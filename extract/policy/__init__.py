"""Ministries' 政策評価 tables: lines classified into cells (``lines``), pieces read from text or PDF (``read``)
and assembled into rows with targets, yearly values and 予算事業 (``table``)."""
