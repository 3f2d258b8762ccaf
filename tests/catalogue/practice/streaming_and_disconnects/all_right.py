# right: every key, in the template's dict
streaming_and_disconnects = {
    "streaming_parts": "a",
    "streaming_content_is_not_content": "b",
    "async_generator_for_async_server": "a",
    "stream_take_two": "a",
    "cancelled_on_disconnect": "a",
    "swallow_cancel": "a",
    "sse_format": "a",
    "count_open_streams": "b",
    "sync_generator_warning": "a",
    "flush_with_yield": "a",
}
