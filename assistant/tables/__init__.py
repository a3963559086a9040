"""Tables derived from documents: quantitative targets (and tasks). Imports documents and the stages below."""
