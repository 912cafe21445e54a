"""One module per screen of the main window (DESIGN.md §8)."""
