"""Show a bank in a notebook: ipywidgets when a front end can show them, plain text otherwise.

The text form is what nbclient, a terminal or a kernel without ipywidgets gets; students answer
it with ``check(bank, question, "b")``. CSS classes on the widgets (``practice-question``,
``practice-options``, ``practice-check``, ``practice-solution``, ``practice-feedback``) let a
browser test find them.
"""

from __future__ import annotations

import html

from autograder.runtime.practice.bank import Bank, Question, load_bank
from autograder.runtime.practice.feedback import Feedback, QuestionState

STATES: dict[tuple[str, str], QuestionState] = {}


def state_of(question: Question) -> QuestionState:
    key = (question.bank, question.id)
    if key not in STATES:
        STATES[key] = QuestionState(question)
    return STATES[key]


def question_markdown(number: int, question: Question) -> str:
    lines = [f"**{number}. {question.prompt}** *({question.difficulty})* `{question.id}`", ""]
    if question.code:
        lines += ["```python", question.code.rstrip(), "```", ""]
    for key, text in question.options.items():
        if "\n" in text:
            lines += [f"{key})", "```python", text.rstrip(), "```"]
        else:
            lines.append(f"- {key}) {text}")
    return "\n".join(lines)


def bank_markdown(bank: Bank) -> str:
    parts = [f"### Practice: {bank.title} ({len(bank.questions)} questions)"]
    if bank.setup:
        parts.append("The code snippets assume this set-up:\n\n```python\n" + bank.setup.rstrip()
                     + "\n```")  # fmt: skip
    parts += [question_markdown(i, q) for i, q in enumerate(bank.questions, 1)]
    parts.append(f'Answer with `check("{bank.name}", "<question id>", "b")`.')
    return "\n\n".join(parts)


def feedback_text(feedback: Feedback) -> str:
    lines = [feedback.message]
    if feedback.hint and not feedback.solution:
        lines.append(f"Hint: {feedback.hint}")
    if feedback.solution:
        lines.append("Solution:")
        lines += [f"  {n}. {step}" for n, step in enumerate(feedback.solution, 1)]
    return "\n".join(lines)


def feedback_html(feedback: Feedback) -> str:
    colour = {"right": "#1a7f37", "wrong": "#cf222e"}.get(feedback.verdict, "#57606a")
    parts = [f'<div style="color:{colour}">{html.escape(feedback.message)}</div>']
    if feedback.hint and not feedback.solution:
        parts.append(f"<div><b>Hint:</b> {html.escape(feedback.hint)}</div>")
    if feedback.solution:
        steps = "".join(f"<li>{html.escape(step)}</li>" for step in feedback.solution)
        parts.append(f"<div><b>Solution</b><ol>{steps}</ol></div>")
    return "".join(parts)


def check(bank: str, question_id: str, choice: str) -> None:
    """Answer a question in text form; prints the feedback."""
    question = load_bank(bank).question(question_id)
    print(feedback_text(state_of(question).answer(choice)))


def solution(bank: str, question_id: str) -> None:
    """Print a question's worked solution (the question then counts as finished)."""
    question = load_bank(bank).question(question_id)
    print(feedback_text(state_of(question).reveal()))


def _widgets_available() -> bool:
    try:
        import ipywidgets  # noqa: F401
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def question_widget(number: int, question: Question):
    import ipywidgets as w

    state = state_of(question)
    prompt = w.HTML(question_html(number, question))
    options = w.RadioButtons(
        options=[
            (f"{key}) (the code above)" if "\n" in text else f"{key}) {text}", key)
            for key, text in question.options.items()
        ],  # fmt: skip
        value=None,
        layout=w.Layout(width="auto"),
    )
    check_button = w.Button(description="Check", button_style="primary")
    solution_button = w.Button(description="Show solution")
    result = w.HTML()
    options.add_class("practice-options")
    check_button.add_class("practice-check")
    solution_button.add_class("practice-solution")
    result.add_class("practice-feedback")

    def show(feedback: Feedback) -> None:
        result.value = feedback_html(feedback)
        if state.finished:
            check_button.disabled = True

    check_button.on_click(lambda _: show(state.answer(options.value)))
    solution_button.on_click(lambda _: show(state.reveal()))
    box = w.VBox([prompt, options, w.HBox([check_button, solution_button]), result])
    box.add_class("practice-question")
    return box


def _inline(text: str) -> str:
    """Escaped text with `code` spans."""
    parts = html.escape(text).split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))


def question_html(number: int, question: Question) -> str:
    parts = [
        f"<p><b>{number}. {_inline(question.prompt)}</b> "
        f'<span class="practice-difficulty">({question.difficulty})</span></p>'
    ]
    if question.code:
        parts.append(f"<pre>{html.escape(question.code.rstrip())}</pre>")
    for key, text in question.options.items():
        if "\n" in text:
            parts.append(f"<div>{key})</div><pre>{html.escape(text.rstrip())}</pre>")
    return "".join(parts)


def show_practice(bank: str, *, widgets: bool | None = None) -> None:
    """Show a lesson's practice questions: widgets in JupyterLab, text elsewhere."""
    loaded = load_bank(bank)
    use_widgets = _widgets_available() if widgets is None else widgets
    from IPython.display import Markdown, display

    if not use_widgets:
        display(Markdown(bank_markdown(loaded)))
        return
    import ipywidgets as w

    setup = (
        "<details><summary>The set-up every snippet assumes</summary>"
        f"<pre>{html.escape(loaded.setup.rstrip())}</pre></details>"
        if loaded.setup
        else ""
    )
    header = w.HTML(f"<h3>Practice: {html.escape(loaded.title)}</h3>{setup}")
    items = [question_widget(i, q) for i, q in enumerate(loaded.questions, 1)]
    display(w.VBox([header, *items]))
