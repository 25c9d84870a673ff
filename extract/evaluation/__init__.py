"""Evaluation structures: the 評価軸・指標 tables (``axis_table``), the indicators and targets written in body text
(``body_indicators``), their shared vocabulary (``axis_vocab``) and the matching of rows to objectives
(``axis_link``)."""
