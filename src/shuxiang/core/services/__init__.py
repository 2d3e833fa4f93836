"""Core's services: setting up and configuring a library (details, formats, the opening
calendar, locations), logins, API tokens. One module per part,
re-exported here: callers write `from shuxiang.core import services`."""

from shuxiang.core.services.libraries import (
    DEFAULT_LOCATIONS,
    FormatsCheck,
    formats_check,
    library_formats_set,
    library_school_year_set,
    library_setup,
    library_update,
    roles_sync,
)
from shuxiang.core.services.locations import (
    location_create,
    location_delete,
    location_set_active,
    location_update,
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
from shuxiang.core.services.opening import (
    calendar_day_delete,
    calendar_day_set,
    opening_slot_create,
    opening_slot_delete,
    term_create,
    term_delete,
    vacation_create,
    vacation_delete,
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
    "FormatsCheck",
    "calendar_day_delete",
    "calendar_day_set",
    "formats_check",
    "library_formats_set",
    "library_school_year_set",
    "library_setup",
    "library_update",
    "location_create",
    "location_delete",
    "location_set_active",
    "location_update",
    "opening_slot_create",
    "opening_slot_delete",
    "roles_sync",
    "superuser_create",
    "token_authenticate",
    "token_cache_clear",
    "term_create",
    "term_delete",
    "token_create",
    "user_create",
    "user_deactivate",
    "user_password_set",
    "user_reactivate",
    "user_role_set",
    "user_unlock",
    "vacation_create",
    "vacation_delete",
]
