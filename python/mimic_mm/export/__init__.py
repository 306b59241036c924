"""Exporters that stream per-subject rows out of the dbt warehouse into the published dataset layouts.

Shared core: `warehouse` (read-only connection), `stream` (rows grouped by subject), `selection` (subjects,
shards, limits), `atomic` (the export lock; write-then-rename is the top-level `atomic_fs`), `progress`
(bars and summaries).
"""
