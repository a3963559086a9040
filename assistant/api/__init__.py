"""HTTP API: the FastAPI app, routers by concern, response models, serving state and the web assets. Imports engine and below."""
