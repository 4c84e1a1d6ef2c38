"""HTTP edges: reading a request (requests.py) and writing a response (responses.py)."""
