# right: upper-case letters ("B") count too
concurrent_io = {
    "sequential_awaits": "B",
    "gather_order": "A",
    "gather_error": "B",
    "return_exceptions": "A",
    "timeout_error": "B",
    "taskgroup_failure": "B",
    "gather_is_concurrent": "B",
    "semaphore_limit": "B",
    "create_task_not_awaited": "A",
    "cancel_on_timeout": "A",
    "gather_needs_await": "D",
    "client_per_request": "B",
}
