# cython: language_level=3
"""Exports the column layouts of ``_table.pxd`` (their one home) to Python."""
