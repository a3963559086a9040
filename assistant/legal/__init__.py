"""Legal references: the symbol grammar, extraction of cited instruments with exact spans, and the index of who cites what. Imports only text."""
