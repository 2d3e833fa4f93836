"""Core's services: setting up a library, logins, API tokens. One module per part,
re-exported here: callers write `from shuxiang.core import services`."""

from shuxiang.core.services.libraries import (
    DEFAULT_LOCATIONS,
    library_school_year_set,
    library_setup,
    roles_sync,
)
from shuxiang.core.services.logins import (
    superuser_create,
    user_create,
    user_deactivate,
    user_password_set,
    user_reactivate,
    user_role_set,
    user_unlock,
)
from shuxiang.core.services.tokens import (
    TOKEN_TTL,
    token_authenticate,
    token_cache_clear,
    token_create,
)

__all__ = [
    "DEFAULT_LOCATIONS",
    "TOKEN_TTL",
    "library_school_year_set",
    "library_setup",
    "roles_sync",
    "superuser_create",
    "token_authenticate",
    "token_cache_clear",
    "token_create",
    "user_create",
    "user_deactivate",
    "user_password_set",
    "user_reactivate",
    "user_role_set",
    "user_unlock",
]
