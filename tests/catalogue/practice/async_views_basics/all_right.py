# right: every key, in the template's dict
async_views_basics = {
    "what_makes_a_view_async": "a",
    "awaited_response_status": "a",
    "jsonresponse_list": "b",
    "forgot_await_in_cell": "b",
    "async_client_in_cell": "b",
    "shared_counter_race": "b",
    "sync_client_on_async_view": "b",
    "query_params": "a",
    "find_the_blocking_line": "a",
    "awaiting_a_response": "b",
    "sync_view_under_a_server": "b",
    "sync_view_under_the_test_client": "a",
}
