"""A FastAPI app that only answers callers with a valid IoTeX token.

Run from this directory: ``uvicorn fastapi_app:app --port 9000``.
"""

from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI, Request

from pyioctl.jwt import VerifiedToken
from pyioctl.web.asgi import PolicyMiddleware
from pyioctl.web.fastapi import require_scope

app = FastAPI()
# Every request is checked against the policy before any endpoint runs; given a path, the
# middleware also picks up edits to the file within a second, without a restart.
app.add_middleware(PolicyMiddleware, policy=Path(__file__).with_name("policy.yaml"))


@app.get("/weather/{city}")
def forecast(city: str, request: Request) -> dict:
    token: VerifiedToken = request.state.token  # set by the middleware
    return {"city": city, "forecast": "sunny", "caller": token.issuer_address}


@app.post("/weather/{city}/alerts")
def raise_alert(
    city: str,
    # On top of the policy (POST needs Create), this endpoint also wants the Alert right.
    token: Annotated[VerifiedToken, Depends(require_scope("Alert"))],
) -> dict:
    return {"city": city, "alert": "raised", "by": token.issuer_address}
