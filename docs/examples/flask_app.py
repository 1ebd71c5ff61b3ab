"""A Flask app that only answers callers with a valid IoTeX token.

Run from this directory: ``flask --app flask_app run --port 9000``.
"""

from pathlib import Path

from flask import Flask, jsonify, request

from pyioctl.web.wsgi import ENVIRON_KEY, PolicyMiddleware

app = Flask(__name__)
# Every request is checked against the policy before Flask routes it.
app.wsgi_app = PolicyMiddleware(app.wsgi_app, Path(__file__).with_name("policy.yaml"))


@app.get("/weather/<city>")
def forecast(city: str):
    token = request.environ[ENVIRON_KEY]  # the VerifiedToken, set by the middleware
    return jsonify(city=city, forecast="sunny", caller=token.issuer_address)
