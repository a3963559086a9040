"""Search: embedding model conversion and encoding, the on-disk index, query analysis, cross-lingual rendering, fusion and retrieval. Imports tables, documents and below."""
