"""The practice banks: they load, their keys are proven by running their code, feedback works."""

import dataclasses
import textwrap

import pytest

from autograder.instructor.authoring.verify_practice import (
    conceptual_questions,
    report,
    run_snippet,
    verify_bank,
    verify_question,
)
from autograder.runtime.practice import bank as banks
from autograder.runtime.practice.bank import BankError, load_bank, parse_bank
from autograder.runtime.practice.feedback import QuestionState
from autograder.runtime.practice.render import bank_markdown, question_widget, state_of
from tests.test_lessons import LESSONS

LESSON_BANKS = [path.stem for path in LESSONS]


def test_every_lesson_has_a_bank_of_about_ten_questions_across_difficulties():
    assert banks.bank_names()[: len(LESSON_BANKS)] == LESSON_BANKS
    for bank in banks.lesson_banks():
        assert 8 <= len(bank.questions) <= 15, bank.name
        assert {q.difficulty for q in bank.questions} == set(banks.DIFFICULTIES), bank.name
        assert sum(q.run is not None for q in bank.questions) >= len(bank.questions) // 2


@pytest.mark.parametrize("name", LESSON_BANKS)
def test_bank_keys_are_what_the_code_really_does(name):
    bank = load_bank(name)
    wrong = [verdict.explain() for verdict in verify_bank(bank) if not verdict.proven]
    assert not wrong, "\n".join(wrong)


def _with_key(question, answer):
    return dataclasses.replace(question, answer=answer)


def test_a_key_changed_to_a_wrong_option_fails_verification():
    # The example: a sync .first() in async code raises; a bank saying "no error" fails.
    bank = load_bank("04_async_orm")
    question = bank.question("sync_first_in_async")
    assert verify_question(question, bank.setup).proven
    for wrong in set(question.options) - {question.answer}:
        verdict = verify_question(_with_key(question, wrong), bank.setup)
        assert not verdict.proven
        assert "SynchronousOnlyOperation" in verdict.explain()


def test_a_wrong_key_fails_for_questions_whose_options_are_code():
    bank = load_bank("01_why_async")
    question = bank.question("which_nap_is_polite")
    assert question.kind == "pick_code" and verify_question(question, bank.setup).proven
    verdict = verify_question(_with_key(question, "a"), bank.setup)
    assert not verdict.proven and verdict.matching == {"c"}


def test_snippets_run_like_a_cell():
    observed = run_snippet("import asyncio\nawait asyncio.sleep(0)\nprint('top-level await')")
    assert observed.exception is None and observed.stdout == "top-level await\n"
    sync_orm = run_snippet("from demo_project.catalog.models import Author\nAuthor.objects.first()")
    assert type(sync_orm.exception).__name__ == "SynchronousOnlyOperation"
    nested = run_snippet("import asyncio\nasyncio.run(asyncio.sleep(0))")
    assert "cannot be called from a running event loop" in str(nested.exception)


GOOD = """\
lesson: 99_test
title: Test bank
questions:
  - id: one
    difficulty: easy
    kind: predict
    prompt: What does it print?
    code: print(1 + 1)
    options: {a: "2", b: "11", c: "1 + 1", d: "TypeError"}
    answer: a
    hint: Numbers add.
    solution: [It adds.]
    mistakes:
      b: That is string concatenation.
      c: print shows the value, not the expression.
      d: Two ints add fine.
    run:
      outcomes: {a: {prints: "2"}, b: {prints: "11"}, c: {prints: "1 + 1"}, d: {raises: TypeError}}
"""

SECOND = """\
  - id: two
    difficulty: medium
    kind: concept
    prompt: Why do numbers add?
    options: {a: Arithmetic, b: Luck, c: Magic, d: Habit}
    answer: a
    hint: Think.
    solution: [Because.]
    mistakes: {b: No., c: No., d: No.}
"""
REASON = "    conceptual: A question of mathematics, not of what code does.\n"
CONCEPTUAL = GOOD + SECOND + REASON


def _broken(old, new):
    return GOOD.replace(old, new)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("questions: [", "not valid YAML"),
        (_broken("lesson: 99_test", "lesson: 98_other"), "'lesson' must be '99_test'"),
        (_broken("difficulty: easy", "difficulty: trivial"), "question 'one': 'difficulty'"),
        (_broken("kind: predict", "kind: essay"), "'kind' must be one of"),
        (_broken("answer: a", "answer: e"), "'answer' 'e' is not one of the options"),
        (_broken("      d: Two ints add fine.\n", ""), "every wrong option ['b', 'c', 'd']"),
        (_broken("id: one", "id: One"), "'id' must be snake_case"),
        (_broken("    hint: Numbers add.\n", ""), "question 'one': 'hint' is missing"),
        (_broken('b: {prints: "11"}', 'e: {prints: "11"}'), "one outcome per option"),
        (_broken(GOOD[GOOD.index("    run:") :], ""), "must prove its key with 'run'"),
        (
            _broken('options: {a: "2", b: "11",', 'options: {b: "2", a: "11",'),
            "option keys must be ['a', 'b', 'c', 'd'] in order",
        ),  # fmt: skip
        # The seed's pages have four options, each wrong one the trace of a misconception.
        (
            _broken(', d: "TypeError"}', "}"),
            "'options' must map four keys a, b, c, d to their text, not 3",
        ),  # fmt: skip
        (
            _broken(', d: "TypeError"}', ', d: "TypeError", e: "3"}'),
            "'options' must map four keys a, b, c, d to their text, not 5",
        ),  # fmt: skip
        (
            _broken("      c: print shows the value, not the expression.", '      c: ""'),
            "'mistakes' has no text for the wrong option(s) ['c']",
        ),  # fmt: skip
        (
            CONCEPTUAL.replace(REASON, ""),
            "question 'two': a question without 'run' needs 'conceptual'",
        ),  # fmt: skip
        (
            _broken("    run:\n", "    conceptual: no code needed\n    run:\n"),
            "give 'run' (code proves the key) or 'conceptual', not both",
        ),  # fmt: skip
        (GOOD + GOOD[GOOD.index("  - id") :], "question ids must be unique: ['one']"),
        (_broken("    hint:", "    hnit: x\n    hint:"), "unknown fields ['hnit']"),
    ],
)
def test_a_malformed_bank_gets_an_error_that_says_where_and_what(text, message):
    with pytest.raises(BankError, match=None) as raised:
        parse_bank(text, "99_test", "99_test.yaml")
    assert message in str(raised.value)
    assert str(raised.value).startswith("99_test.yaml")


def test_the_good_example_parses_and_is_proven():
    bank = parse_bank(GOOD, "99_test")
    assert verify_bank(bank)[0].proven


def test_verify_lists_the_conceptual_questions_with_their_reasons():
    bank = parse_bank(CONCEPTUAL, "99_test")
    assert [q.id for q in conceptual_questions(bank)] == ["two"]
    lines, wrong = report(bank)
    assert wrong == 0
    assert lines[0] == "99_test: 2 questions, 1 keys proven by running code, 1 conceptual, 0 wrong"
    assert lines[1:] == ["  · two (conceptual): A question of mathematics, not of what code does."]


def test_verify_fails_on_a_key_its_code_does_not_produce():
    good = parse_bank(GOOD, "99_test")
    bank = dataclasses.replace(good, questions=(_with_key(good.questions[0], "b"),))
    lines, wrong = report(bank)
    assert wrong == 1
    assert lines[1].startswith("  ✘ 99_test/one: the key is 'b' but the options matching")
    assert "['a']" in lines[1]


def test_every_question_of_every_bank_is_proven_or_says_why_not():
    from autograder.runtime.challenge import load_challenge

    for bank in [*banks.lesson_banks(), load_challenge()]:
        for question in bank.questions:
            assert len(question.options) == 4, question.label
            assert (question.run is None) == bool(question.conceptual), question.label


def test_a_snippet_may_end_in_cancellation():
    # CancelledError is a BaseException since Python 3.8: the outcome of a snippet, not a crash.
    observed = run_snippet("import asyncio\nraise asyncio.CancelledError()")
    assert type(observed.exception).__name__ == "CancelledError"


def test_an_unknown_bank_names_the_known_ones():
    with pytest.raises(BankError, match="01_why_async"):
        load_bank("01_why_asink")


def _question(**changes):
    return dataclasses.replace(parse_bank(GOOD, "99_test").questions[0], **changes)


def test_feedback_right_first_time():
    state = QuestionState(_question())
    feedback = state.answer(" A ")
    assert feedback.verdict == "right" and feedback.shows_solution and state.finished


def test_feedback_hint_after_a_wrong_try_then_solution_after_the_last():
    state = QuestionState(_question())
    first = state.answer("b")
    assert first.verdict == "wrong" and "string concatenation" in first.message
    assert first.hint == "Numbers add." and not first.shows_solution
    assert "1 try left" in first.message and not state.finished
    second = state.answer("b")
    assert second.shows_solution and "The answer is a" in second.message and state.finished
    assert state.answer("a").verdict == "finished", "no more tries once finished"


def test_feedback_ignores_what_is_not_an_option_and_reveals_on_request():
    state = QuestionState(_question())
    assert state.answer("z").verdict == "invalid" and state.tries_left == 2
    assert state.answer(None).verdict == "invalid"
    revealed = state.reveal()
    assert revealed.shows_solution and state.finished and state.answer("a").verdict == "finished"


def test_text_form_lists_every_question_with_its_id():
    bank = load_bank("03_concurrent_io")
    text = bank_markdown(bank)
    for question in bank.questions:
        assert f"`{question.id}`" in text
    assert 'check("03_concurrent_io", "<question id>", "b")' in text


def test_widget_buttons_drive_the_feedback():
    question = load_bank("01_why_async").question("gathered_sleeps")
    state_of(question).answers.clear()
    box = question_widget(1, question)
    options, buttons, result = box.children[1], box.children[2], box.children[3]
    check, show = buttons.children
    assert "practice-question" in box._dom_classes and "practice-check" in check._dom_classes
    options.value = "b"
    check.click()
    assert "Not b" in result.value and "Hint" in result.value and not check.disabled
    options.value = "a"
    check.click()
    assert "Right" in result.value and "Solution" in result.value and check.disabled
    show.click()
    assert "The answer is a" in result.value


def test_bank_docs_example_is_current():
    # The schema in bank.py's docstring names every field the loader accepts.
    doc = textwrap.dedent(banks.__doc__)
    for name in banks.QUESTION_FIELDS:
        assert f"{name}:" in doc, name


@pytest.mark.parametrize("name", LESSON_BANKS)
def test_every_lesson_shows_its_bank_in_its_practice_section(name):
    from autograder.instructor.catalogue import read_notebook
    from autograder.instructor.paths import REPO

    cells = read_notebook(REPO / "notebooks" / f"{name}.ipynb").cells
    practice = next(i for i, c in enumerate(cells) if c.source.startswith("## Practice"))
    shown = [i for i, c in enumerate(cells) if f'show_practice("{name}")' in c.source]
    assert shown and shown[0] > practice
