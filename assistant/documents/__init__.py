"""Documents: reading files into text, the marked-up reading layer, metadata, section structure, chunking and the per-file pipeline. Imports restore, legal and text."""
