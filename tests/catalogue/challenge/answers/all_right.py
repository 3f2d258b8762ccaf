# right: every problem answered right
answer_1 = "c"
answer_2 = "b"
answer_3 = "d"
answer_4 = "a"
answer_5 = "c"
