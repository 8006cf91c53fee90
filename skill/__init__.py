"""Mat Coach: an Alexa skill for hands-free acupressure-mat sessions."""

#: The release every request line and metric names (kept equal to pyproject's version by
#: tests/test_telemetry.py): read here, not from package metadata, because the Lambda zip
#: carries no dist-info and importlib.metadata would cost every cold start its import.
__version__ = "0.1.0"
