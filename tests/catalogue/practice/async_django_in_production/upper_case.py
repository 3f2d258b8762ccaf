# right: upper-case letters ("B") count too
async_django_in_production = {
    "old_style_decorator": "B",
    "require_post_on_async_view": "A",
    "conn_max_age_under_asgi": "A",
    "mixed_handlers_in_a_view_class": "B",
    "where_the_cache_really_runs": "D",
    "sync_paginator_in_async_code": "B",
    "old_backend_in_async_login": "B",
    "lock_without_a_second_look": "B",
    "aget_or_set_async_default": "B",
    "background_task_sync_orm": "A",
}
