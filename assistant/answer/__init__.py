"""Answers: statement selection, rendering, follow-ups, and the optional generative mode with its checks. Imports search and below."""
