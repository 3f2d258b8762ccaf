# wrong: the first question answered with a wrong option
# fails: test_concurrent_io_sequential_awaits
# says: Why not a
concurrent_io = {
    "sequential_awaits": "a",
    "gather_order": "a",
    "gather_error": "b",
    "return_exceptions": "a",
    "timeout_error": "b",
    "taskgroup_failure": "b",
    "gather_is_concurrent": "b",
    "semaphore_limit": "b",
    "create_task_not_awaited": "a",
    "cancel_on_timeout": "a",
    "gather_needs_await": "d",
    "client_per_request": "b",
}
