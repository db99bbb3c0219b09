"""The benchmark behind scripts/bench: a development tool, kept out of the app that ships."""
