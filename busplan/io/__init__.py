"""Edges of the core: files and documents in, files and documents out."""
