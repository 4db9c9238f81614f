"""REST endpoint about the caller."""

from __future__ import annotations

from ninja import Router, Schema

from gridcrm.users.selectors import user_roles
from gridcrm.web.http import AuthedRequest

router = Router(tags=["me"])


class MeOut(Schema):
    username: str
    full_name: str
    roles: list[str]
    region: str | None


@router.get("", response=MeOut, summary="Who am I")
def me(request: AuthedRequest) -> dict[str, object]:
    """The caller's name, roles and region."""
    user = request.user
    return {
        "username": user.username,
        "full_name": user.full_name,
        "roles": sorted(role.value for role in user_roles(user=user)),
        "region": user.region.code if user.region else None,
    }
