# right: "C" and "b)" count as c and b
answer_1 = "C"
answer_2 = "b)"
answer_3 = " d "
answer_4 = "A"
answer_5 = "c"
