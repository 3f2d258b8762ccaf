# wrong: every other question wrong
# fails: test_async_django_in_production_require_post_on_async_view test_async_django_in_production_mixed_handlers_in_a_view_class test_async_django_in_production_sync_paginator_in_async_code test_async_django_in_production_lock_without_a_second_look test_async_django_in_production_background_task_sync_orm
# says: Hint:
async_django_in_production = {
    "old_style_decorator": "b",
    "require_post_on_async_view": "b",
    "conn_max_age_under_asgi": "a",
    "mixed_handlers_in_a_view_class": "a",
    "where_the_cache_really_runs": "d",
    "sync_paginator_in_async_code": "a",
    "old_backend_in_async_login": "b",
    "lock_without_a_second_look": "a",
    "aget_or_set_async_default": "b",
    "background_task_sync_orm": "b",
}
