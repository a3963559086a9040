"""Text: Unicode and tone normalisation, the one accent fold with offsets, syllables, legacy encodings, places, dates and the document-type vocabulary. Imports only types, errors and settings."""
