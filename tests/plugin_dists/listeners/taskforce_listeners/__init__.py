"""Plugins for the tests that react to table events or add routes (see entry_points.txt)."""
