"""Views of the old site."""
