"""Helpers shared by every backend's code generator."""
