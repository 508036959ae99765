"""Data: read the CSV a spec names, check it, describe it."""
