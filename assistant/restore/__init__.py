"""OCR restoration: a noisy-channel restorer of lost diacritics (syllable inventory, OCR confusions, n-gram LM, names). Imports only text."""
