# wrong: every other question wrong
# fails: test_mixing_sync_and_async_async_to_sync_in_cell test_mixing_sync_and_async_thread_sensitive_default test_mixing_sync_and_async_which_thread test_mixing_sync_and_async_allow_async_unsafe test_mixing_sync_and_async_auser_in_async_view
# says: Hint:
mixing_sync_and_async = {
    "sync_to_async_purpose": "a",
    "async_to_sync_in_cell": "a",
    "asyncio_run_in_cell": "b",
    "thread_sensitive_default": "a",
    "thread_sensitive_false": "a",
    "which_thread": "b",
    "orm_through_sync_to_async": "b",
    "allow_async_unsafe": "b",
    "unmarked_middleware": "b",
    "auser_in_async_view": "b",
}
