"""The users app's audit trail: one named function per thing that happens.

Only the users services call these, inside the transaction of the change they record.
``acting_user`` is empty when the system (a command, the demo, a migration) did it.
"""

from __future__ import annotations

from gridcrm.users.models import ApiToken, Region, User, UserEvent

Kind = UserEvent.Kind


def user_created(*, user: User, acting_user: User | None) -> UserEvent:
    """A person got an account."""
    return UserEvent.objects.create(
        kind=Kind.USER_CREATED,
        user=user,
        acting_user=acting_user,
        details={"username": user.username, "superuser": user.is_superuser},
    )


def role_granted(*, user: User, role: str, acting_user: User | None) -> UserEvent:
    """A person was given a role (and with it the role's permissions)."""
    return UserEvent.objects.create(
        kind=Kind.ROLE_GRANTED, user=user, acting_user=acting_user, details={"role": role}
    )


def token_issued(*, token: ApiToken, acting_user: User | None) -> UserEvent:
    """An API token was issued to ``token.user`` (its secret is never recorded)."""
    return UserEvent.objects.create(
        kind=Kind.TOKEN_ISSUED,
        user=token.user,
        acting_user=acting_user,
        details={"token": token.pk, "name": token.name},
    )


def region_created(*, region: Region, acting_user: User | None) -> UserEvent:
    """A region was added to the tree."""
    return UserEvent.objects.create(
        kind=Kind.REGION_CREATED,
        region=region,
        acting_user=acting_user,
        details={"code": region.code, "path": region.path},
    )
