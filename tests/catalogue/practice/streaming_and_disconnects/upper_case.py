# right: upper-case letters ("B") count too
streaming_and_disconnects = {
    "streaming_parts": "A",
    "streaming_content_is_not_content": "B",
    "async_generator_for_async_server": "A",
    "stream_take_two": "A",
    "cancelled_on_disconnect": "A",
    "swallow_cancel": "A",
    "sse_format": "A",
    "count_open_streams": "B",
    "sync_generator_warning": "A",
    "flush_with_yield": "A",
}
