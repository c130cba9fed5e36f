"""The error summary's line per question: the question and its message joined without doubled punctuation."""

from __future__ import annotations

import pytest

from recognition.questionnaire import Question
from recognition.web.survey.forms import QuestionView


@pytest.mark.parametrize(
    ("prompt", "line"),
    [
        ("How old are you?", "How old are you? Please choose one option."),
        ("Please select “Disagree” here.", "Please select “Disagree” here. Please choose one option."),
        (
            "Which do you associate with “Trust”?",
            "Which do you associate with “Trust”? Please choose one option.",
        ),
        ("Your favourite brand", "Your favourite brand: Please choose one option."),
        ("Anything else? (optional)", "Anything else? (optional): Please choose one option."),
    ],
)
def test_summary_line_never_doubles_punctuation(prompt: str, line: str) -> None:
    view = QuestionView(
        Question("q", "single", prompt, "en"), (), (), [], (), "Please choose one option.", ()
    )
    assert view.summary == line
