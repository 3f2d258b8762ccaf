# right: every key, in the template's dict
async_django_in_production = {
    "old_style_decorator": "b",
    "require_post_on_async_view": "a",
    "conn_max_age_under_asgi": "a",
    "mixed_handlers_in_a_view_class": "b",
    "where_the_cache_really_runs": "d",
    "sync_paginator_in_async_code": "b",
    "old_backend_in_async_login": "b",
    "lock_without_a_second_look": "b",
    "aget_or_set_async_default": "b",
    "background_task_sync_orm": "a",
}
