"""REST endpoint about the caller."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from gridcrm.users.selectors import user_roles

router = Router(tags=["me"])


class MeOut(Schema):
    username: str
    full_name: str
    roles: list[str]
    region: str | None


@router.get("", response=MeOut, summary="Who am I")
def me(request: HttpRequest) -> dict[str, object]:
    """The caller's name, roles and region."""
    user = request.user
    return {
        "username": user.username,  # type: ignore[union-attr]
        "full_name": user.full_name,  # type: ignore[union-attr]
        "roles": sorted(role.value for role in user_roles(user=user)),
        "region": user.region.code if user.region else None,  # type: ignore[union-attr]
    }
