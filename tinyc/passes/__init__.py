"""Compiler passes. Each takes its input and returns a new value."""
