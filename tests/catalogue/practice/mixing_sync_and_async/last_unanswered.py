# wrong: the last question left at None
# fails: test_mixing_sync_and_async_auser_in_async_view
# says: not answered
mixing_sync_and_async = {
    "sync_to_async_purpose": "a",
    "async_to_sync_in_cell": "b",
    "asyncio_run_in_cell": "b",
    "thread_sensitive_default": "b",
    "thread_sensitive_false": "a",
    "which_thread": "a",
    "orm_through_sync_to_async": "b",
    "allow_async_unsafe": "a",
    "unmarked_middleware": "b",
    "auser_in_async_view": None,
}
